/**
 * The one error type the service throws on purpose. The error middleware turns it into
 * `{ error: { code, message } }`; anything else becomes a 500 whose details are only logged.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** When false the client sees a generic message; the real one is logged. */
  readonly expose: boolean;
  /** Sent as Retry-After (seconds) on 429/503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: string,
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
