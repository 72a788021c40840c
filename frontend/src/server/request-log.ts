import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from './logger';

/** A caller's id is kept only if it is short and printable, so it is safe to log and forward. */
const ACCEPTED_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Outermost middleware: every request gets an id (the caller's `X-Request-Id` or a new one), echoed
 * back and forwarded to the backend so both services' logs join up, and one access-log line when
 * the response is over (for a stream that is when the last event went out, or the client left).
 * Health checks are not logged: the load balancer sends one every few seconds.
 */
export function requestLog(logger: Logger, healthPaths: ReadonlySet<string>): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const incoming = ctx.get('X-Request-Id');
    const requestId = ACCEPTED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    // The proxy forwards request headers; setting it here makes the backend see the same id.
    ctx.request.headers['x-request-id'] = requestId;
    ctx.set('X-Request-Id', requestId);
    if (!healthPaths.has(ctx.path)) {
      ctx.res.once('close', () => {
        logger.info('request', {
          requestId,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          ...(ctx.res.writableFinished ? {} : { clientGone: true }),
        });
      });
    }
    await next();
  };
}
