import net from 'node:net';

export interface SlowLink {
  readonly url: string;
  /** Milliseconds between server-sent events on the way back; 0 passes bytes straight through. */
  setEventDelay(ms: number): void;
  /** Drops every open connection, like a network failure between frontend and backend. */
  cutConnections(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay in front of the real backend that, when asked, releases its responses one
 * server-sent event at a time. The local answerer streams a whole answer in microseconds; through
 * this link it streams like a model does, so a person (or a test) can press Stop halfway.
 */
export async function startSlowLink(targetPort: number): Promise<SlowLink> {
  let eventDelayMs = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let pacing: NodeJS.Timeout | undefined;
    const release = () => {
      pacing = undefined;
      const boundary = pending.indexOf('\n\n');
      const cut = boundary === -1 ? pending.length : boundary + 2;
      if (cut === 0) return;
      client.write(pending.subarray(0, cut));
      pending = pending.subarray(cut);
      if (pending.length > 0) pacing = setTimeout(release, eventDelayMs);
      else if (upstream.readableEnded) client.end();
    };
    upstream.on('data', (data: Buffer) => {
      if (eventDelayMs === 0 && pending.length === 0) {
        client.write(data);
        return;
      }
      pending = Buffer.concat([pending, data]);
      pacing ??= setTimeout(release, eventDelayMs);
    });
    upstream.on('end', () => {
      if (pending.length === 0) client.end();
    });
    client.pipe(upstream);
    const teardown = () => {
      clearTimeout(pacing);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', teardown).on('error', teardown);
    upstream.on('close', () => {
      if (pending.length === 0) teardown();
    });
    upstream.on('error', teardown);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    setEventDelay: (ms) => {
      eventDelayMs = ms;
    },
    cutConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
