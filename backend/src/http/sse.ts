import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';

export interface EventStream {
  /** Writes one event; waits when the client reads slower than we write, but not past the abort. */
  send(event: string, data: unknown): Promise<void>;
  end(): void;
}

/**
 * Takes over the response for Server-Sent Events. Each event is written (and so flushed) at once:
 * no compression, Nagle off, and `X-Accel-Buffering: no` so proxies do not hold events back.
 */
export function openEventStream(ctx: Context, signal: AbortSignal): EventStream {
  ctx.status = 200;
  ctx.respond = false;
  ctx.req.socket.setNoDelay(true);
  const res = ctx.res;
  res.writeHead(200, {
    ...ctx.response.headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  return {
    async send(event, data) {
      if (res.writableEnded || res.destroyed) return;
      // JSON.stringify never emits a raw newline, so one data line always holds the whole payload.
      if (!res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) await drained(res, signal);
    },
    end() {
      // Out of time with the client not reading: nothing more can reach it, so free the socket.
      if (signal.aborted && res.writableNeedDrain) res.destroy();
      else if (!res.writableEnded) res.end();
    },
  };
}

/** A client that stops reading must not hold the request beyond its budget. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
