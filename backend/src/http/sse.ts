import { once } from 'node:events';
import type { Context } from 'koa';

export interface EventStream {
  /** Writes one event; waits when the client reads slower than we write. */
  send(event: string, data: unknown): Promise<void>;
  end(): void;
}

/**
 * Takes over the response for Server-Sent Events. Each event is written (and so flushed) at once:
 * no compression, Nagle off, and `X-Accel-Buffering: no` so proxies do not hold events back.
 */
export function openEventStream(ctx: Context): EventStream {
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
      if (!res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}
