/** Every error code the frontend server itself sends; the backend's pass through the proxy unchanged. */
export const FRONTEND_ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'not_found',
  'payload_too_large',
  'unsupported_media_type',
  'internal_error',
  'bad_gateway',
  'backend_unavailable',
  'backend_timeout',
  'backend_interrupted',
  'signin_unavailable',
] as const;

export type FrontendErrorCode = (typeof FRONTEND_ERROR_CODES)[number];

/**
 * The one error type the frontend throws on purpose; `errorHandler` turns it into
 * `{ error: { code, message } }`, the same shape the backend uses.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: FrontendErrorCode;
  /** Sent as Retry-After (seconds). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: FrontendErrorCode,
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
