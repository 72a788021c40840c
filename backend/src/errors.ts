import type { ErrorCode } from './service-kit/error-codes';

/**
 * The one error type the service throws on purpose. The error middleware turns it into
 * `{ error: { code, message } }`; anything else becomes a 500 whose details are only logged.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** When false the client sees a generic message; the real one is logged. */
  readonly expose: boolean;
  /** Sent as Retry-After (seconds) on 429/503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; expose?: boolean; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.expose = options.expose ?? (status < 500 || status === 502 || status === 503);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** How long a client should wait after the database went away: a failover or restart takes seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Socket failures, PostgreSQL's connection-exception class (08) and shutdown codes (57P01-03:
 * admin shutdown, crash shutdown, cannot connect now) and "too many connections" (53300).
 */
const CONNECTION_LOSS_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** node-postgres reports a dropped socket by message only. */
const CONNECTION_LOSS_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed|Connection ended unexpectedly/i;

/**
 * The error a lost database connection produced, as the 503 the client should see; anything
 * else is left alone (the error handler answers 500). Follows `cause` chains a few levels deep.
 */
export function databaseUnavailable(error: unknown): AppError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if (current instanceof AppError) return undefined;
    const code = Reflect.get(current, 'code');
    const name = Reflect.get(current, 'name');
    const message = Reflect.get(current, 'message');
    if (
      (typeof code === 'string' && (CONNECTION_LOSS_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) ||
      name === 'KnexTimeoutError' ||
      (typeof message === 'string' && CONNECTION_LOSS_MESSAGES.test(message))
    ) {
      return new AppError(503, 'database_unavailable', 'The database is unavailable right now.', {
        cause: error,
        retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      });
    }
    current = Reflect.get(current, 'cause');
  }
  return undefined;
}
