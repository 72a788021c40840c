import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { traceRootOf } from '../observability/trace-header';
import type { Logger } from '../service-kit/logger';
import { activeXRayTraceId } from '../service-kit/spans';
import { ANONYMOUS_IDENTITY } from './identity';
import type { AppState } from './state';

/** Accept a caller's id only if it is short and printable, so it is safe to log and echo. */
const ACCEPTED_REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RequestContextOptions {
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/**
 * The outermost middleware: gives each request an id (the caller's `x-request-id` or a new one,
 * echoed back), a logger bound to it, and one access-log line when it ends. It runs outside the
 * error handler to see the final status, so nothing here may throw.
 */
export function requestContext(options: RequestContextOptions): Middleware<AppState> {
  return async (ctx, next) => {
    const startMs = options.now();
    const incoming = ctx.get('x-request-id');
    const requestId = ACCEPTED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    // The X-Ray trace id on every line joins logs to traces in CloudWatch: the active trace's when
    // tracing is on, else the one the ALB sent.
    const traceId = activeXRayTraceId() ?? traceRootOf(ctx.get('x-amzn-trace-id') || undefined);
    const log = options.logger.child(traceId === undefined ? { requestId } : { requestId, traceId });
    Object.assign(ctx.state, { requestId, log, identity: ANONYMOUS_IDENTITY });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const endMs = options.now();
      log.info('request', {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        durationMs: Math.round((endMs - startMs) * 100) / 100,
      });
    }
  };
}
