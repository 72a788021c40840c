/**
 * The one error type the frontend throws on purpose; `errorHandler` turns it into
 * `{ error: { code, message } }`, the same shape the backend uses.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** Sent as Retry-After (seconds). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
