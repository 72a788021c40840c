import type { Middleware } from 'koa';
import { AppError } from './errors';
import type { Logger } from './logger';

/**
 * Registered first: every failure becomes `{ error: { code, message } }`. Only AppError messages
 * reach the client; anything else is logged and answered with a generic 500.
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const appError =
        error instanceof AppError ? error : new AppError(500, 'internal_error', 'Something went wrong');
      if (appError.status >= 500) {
        logger.error('request failed', {
          method: ctx.method,
          path: ctx.path,
          code: appError.code,
          error: describe(error),
        });
      }
      if (ctx.headerSent) return;
      ctx.status = appError.status;
      if (appError.retryAfterSeconds !== undefined)
        ctx.set('Retry-After', String(appError.retryAfterSeconds));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: { code: appError.code, message: appError.message } };
    }
  };
}

/** Messages down the cause chain; errors from Node's own modules may come from another realm. */
function describe(error: unknown): string {
  const messages: string[] = [];
  for (let current: unknown = error; current !== undefined && messages.length < 5; ) {
    if (typeof current !== 'object' || current === null) {
      messages.push(String(current));
      break;
    }
    messages.push('message' in current ? String(current.message) : String(current));
    current = 'cause' in current ? current.cause : undefined;
  }
  return messages.join(' <- ');
}
