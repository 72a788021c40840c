import net from 'node:net';

export interface TappedToken {
  readonly text: string;
  /** Wall-clock time (ms) when the token's bytes left the backend's socket. */
  readonly at: number;
}

export interface BackendTap {
  readonly url: string;
  /** Tokens of the most recent answer that carried any. */
  readonly tokens: () => readonly TappedToken[];
  close(): Promise<void>;
}

const TOKEN_EVENT = /event: token\ndata: (\{.*?\})\n\n/g;

/**
 * A pass-through TCP relay between the frontend and the real backend that timestamps every
 * `token` event the moment its bytes arrive from the backend: the "backend emitted it" clock.
 */
export async function startBackendTap(targetPort: number): Promise<BackendTap> {
  let latest: TappedToken[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let seen: TappedToken[] = [];
    let text = '';
    upstream.on('data', (data: Buffer) => {
      const at = performance.timeOrigin + performance.now();
      client.write(data);
      text += data.toString('utf8');
      // Keep-alive connections carry one answer after another; each starts with its sources.
      if (text.includes('event: sources\n')) {
        seen = [];
        text = text.slice(text.lastIndexOf('event: sources\n'));
      }
      let consumed = 0;
      for (const match of text.matchAll(TOKEN_EVENT)) {
        const payload: unknown = JSON.parse(match[1] ?? '{}');
        if (
          typeof payload === 'object' &&
          payload !== null &&
          'text' in payload &&
          typeof payload.text === 'string'
        ) {
          seen.push({ text: payload.text, at });
        }
        consumed = (match.index ?? 0) + match[0].length;
      }
      text = text.slice(consumed);
      if (seen.length > 0) latest = seen;
    });
    client.pipe(upstream);
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      seen = [];
    };
    client.on('close', teardown).on('error', teardown);
    upstream.on('close', teardown).on('error', teardown);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens: () => latest,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
