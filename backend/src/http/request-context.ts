import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../observability/logger';
import { parseTraceHeader, type Span, type Tracer } from '../observability/tracing';
import type { AppState } from './state';

/** Accept a caller's id only if it is short and printable, so it is safe to log and echo. */
const ACCEPTED_REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RequestContextOptions {
  readonly logger: Logger;
  readonly tracer: Tracer;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/**
 * The outermost middleware: gives each request an id (the caller's `x-request-id` or a new one,
 * echoed back), a logger bound to it, and one access-log line plus one trace when it ends. It
 * runs outside the error handler to see the final status, so nothing here may throw.
 */
export function requestContext(options: RequestContextOptions): Middleware<AppState> {
  return async (ctx, next) => {
    const startMs = options.now();
    const incoming = ctx.get('x-request-id');
    const requestId = ACCEPTED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const spans: Span[] = [];
    const traceHeader = ctx.get('x-amzn-trace-id') || undefined;
    // The X-Ray trace id (set by the ALB) on every line joins logs to traces in CloudWatch.
    const traceId = parseTraceHeader(traceHeader)?.root;
    const log = options.logger.child(traceId === undefined ? { requestId } : { requestId, traceId });
    // The identity middleware adds `identity` later; until then the state is only partly set.
    Object.assign(ctx.state, { requestId, log, spans });
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
      options.tracer.record({
        traceHeader,
        requestId,
        method: ctx.method,
        url: ctx.path,
        status: ctx.status,
        startMs,
        endMs,
        spans,
      });
    }
  };
}
