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
          err: error,
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
