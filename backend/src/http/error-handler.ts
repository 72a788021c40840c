import type { Middleware } from 'koa';
import type { z } from 'zod';
import { AppError, databaseUnavailable } from '../errors';
import type { ErrorBody as ErrorSchema } from './api-schema';
import { ClientDisconnectedError } from './request-signal';
import type { AppState } from './state';

export type ErrorBody = z.output<typeof ErrorSchema>;

const INTERNAL_ERROR = 'Internal server error';
const GENERIC_MESSAGES: Readonly<Record<number, string>> = {
  502: 'The model provider failed',
  503: 'The service is temporarily unavailable',
  504: 'The request took too long',
};

/**
 * Maps any error to the client-facing `{ error: { code, message } }` shape: AppError as declared
 * (its message only when `expose`), a lost database connection as 503 `database_unavailable`,
 * anything else as a 500 with a generic message. The full error,
 * stack and cause included, goes to the log only.
 */
export function toErrorResponse(thrown: unknown): {
  status: number;
  body: ErrorBody;
  retryAfterSeconds?: number;
} {
  const error = databaseUnavailable(thrown) ?? thrown;
  if (error instanceof AppError) {
    const message = error.expose ? error.message : (GENERIC_MESSAGES[error.status] ?? INTERNAL_ERROR);
    const retry = error.retryAfterSeconds;
    return {
      status: error.status,
      body: {
        error: { code: error.code, message, ...(retry === undefined ? {} : { retryAfterSeconds: retry }) },
      },
      ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
    };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: INTERNAL_ERROR } } };
}

/** Registered right after the request context, so every later middleware and route is covered. */
export function errorHandler(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof ClientDisconnectedError) {
        ctx.state.log.info('client disconnected before the response');
        return;
      }
      const response = toErrorResponse(error);
      if (response.status >= 500) ctx.state.log.error('request failed', { err: error });
      else ctx.state.log.info('request rejected', { code: response.body.error.code });
      if (ctx.headerSent || !ctx.writable) return;
      ctx.status = response.status;
      ctx.body = response.body;
      if (response.retryAfterSeconds !== undefined)
        ctx.set('Retry-After', String(response.retryAfterSeconds));
      // The client may still be sending an oversized or unread body; do not reuse the connection.
      if (response.status === 413) ctx.set('Connection', 'close');
    }
  };
}
