import { AppError } from '../../errors';

/**
 * How a failed Bedrock call is treated:
 * - throttled: rate limit hit (HTTP 429), worth retrying with backoff;
 * - quota: a service quota is used up, retrying within seconds will not help;
 * - unavailable: 5xx, model not ready, network failure — transient, worth retrying;
 * - timeout: the model or the network did not answer in time;
 * - upstream: the request or the model is at fault (access, validation, model error, bad response).
 */
export type FailureKind = 'throttled' | 'quota' | 'unavailable' | 'timeout' | 'upstream';

export interface Failure {
  readonly kind: FailureKind;
  readonly retryable: boolean;
  /** The AWS error name or network error code, for logs. */
  readonly reason: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  /** The upstream's own message: logged, never sent to clients. */
  readonly detail: string;
}

/** A response that does not have the shape the model promises. */
export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}

/**
 * A stream that ended before `messageStop`. The SDK ends the stream quietly when the connection is
 * reset, so this is how a cut connection shows; treated as transient.
 */
export class TruncatedStreamError extends Error {
  override readonly name = 'TruncatedStreamError';
}

/** An error raised while reading a response (body or stream) whose HTTP headers carried `requestId`. */
export class ResponseReadError extends Error {
  override readonly name = 'ResponseReadError';
  readonly requestId: string | undefined;

  constructor(cause: unknown, requestId: string | undefined) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.requestId = requestId;
  }
}

// The lower-case names are event-stream member names: the SDK names an exception frame it has no
// model for after its `:exception-type` header.
const THROTTLED = new Set(['ThrottlingException', 'throttlingException', 'TooManyRequestsException']);
const QUOTA = new Set(['ServiceQuotaExceededException']);
const UNAVAILABLE = new Set([
  'ServiceUnavailableException',
  'serviceUnavailableException',
  'InternalServerException',
  'internalServerException',
  'ModelNotReadyException',
  'TruncatedStreamError',
]);
const TIMEOUT = new Set(['ModelTimeoutException', 'modelTimeoutException', 'TimeoutError']);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
]);

interface ErrorFacts {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
}

function factsOf(error: unknown): ErrorFacts {
  if (error instanceof ResponseReadError) {
    const inner = factsOf(error.cause);
    return { ...inner, requestId: inner.requestId ?? error.requestId };
  }
  if (!(error instanceof Error)) {
    return {
      name: 'NonError',
      code: undefined,
      message: String(error),
      httpStatus: undefined,
      requestId: undefined,
    };
  }
  const { $metadata, code } = error as {
    $metadata?: { httpStatusCode?: number; requestId?: string };
    code?: unknown;
  };
  return {
    name: error.name,
    code: typeof code === 'string' ? code : undefined,
    message: error.message,
    httpStatus: $metadata?.httpStatusCode,
    requestId: $metadata?.requestId,
  };
}

function kindOf({ name, code, httpStatus }: ErrorFacts): FailureKind {
  if (THROTTLED.has(name) || httpStatus === 429) return 'throttled';
  if (QUOTA.has(name)) return 'quota';
  if (TIMEOUT.has(name) || httpStatus === 408) return 'timeout';
  if (UNAVAILABLE.has(name) || (httpStatus !== undefined && httpStatus >= 500)) return 'unavailable';
  if (code !== undefined && TRANSIENT_NETWORK_CODES.has(code)) return 'unavailable';
  return 'upstream';
}

/** Classifies anything the SDK, the network or our response validation threw. */
export function classifyFailure(error: unknown): Failure {
  const facts = factsOf(error);
  const kind = kindOf(facts);
  return {
    kind,
    retryable: kind === 'throttled' || kind === 'unavailable' || kind === 'timeout',
    reason: facts.code ?? facts.name,
    httpStatus: facts.httpStatus,
    requestId: facts.requestId,
    detail: facts.message,
  };
}

/** The failure of our own time budget, which no retry can fix. */
export function budgetExhausted(timeoutMs: number, requestId: string | undefined): Failure {
  return {
    kind: 'timeout',
    retryable: false,
    reason: 'TimeBudgetExhausted',
    httpStatus: undefined,
    requestId,
    detail: `no complete answer within the ${timeoutMs} ms time budget`,
  };
}

export interface CallDescription {
  /** `embedding` or `language` model, for the client-facing message. */
  readonly purpose: 'embedding' | 'language';
  readonly operation: 'InvokeModel' | 'ConverseStream';
  readonly modelId: string;
}

/** Carries everything an operator needs (operation, model, AWS error, request id) into the logs. */
export class BedrockCallError extends Error {
  override readonly name = 'BedrockCallError';
  readonly failure: Failure;

  constructor(call: CallDescription, failure: Failure, attempts: number, cause: unknown) {
    const where = [
      failure.reason,
      failure.httpStatus === undefined ? undefined : `HTTP ${failure.httpStatus}`,
      failure.requestId === undefined ? undefined : `request id ${failure.requestId}`,
      `${attempts} attempt${attempts === 1 ? '' : 's'}`,
    ].filter((part) => part !== undefined);
    super(`Bedrock ${call.operation} ${call.modelId} failed (${where.join(', ')}): ${failure.detail}`, {
      cause,
    });
    this.failure = failure;
  }
}

/** A quota resets on a scale of minutes; advertising a few seconds would only invite more rejections. */
const QUOTA_RETRY_AFTER_SECONDS = 60;

/**
 * The client-facing error: 503 + Retry-After when waiting helps, 502 otherwise. Messages are fixed
 * texts; the AWS details travel only in `cause`.
 */
export function toAppError(
  call: CallDescription,
  failure: Failure,
  attempts: number,
  retryAfterSeconds: number,
  cause: unknown,
): AppError {
  const model = `The ${call.purpose} model`;
  const options = { cause: new BedrockCallError(call, failure, attempts, cause), expose: true };
  switch (failure.kind) {
    case 'throttled':
      return new AppError(503, 'throttled', `${model} is receiving too many requests; try again shortly.`, {
        ...options,
        retryAfterSeconds,
      });
    case 'quota':
      return new AppError(503, 'throttled', `${model} has reached its usage quota; try again later.`, {
        ...options,
        retryAfterSeconds: Math.max(retryAfterSeconds, QUOTA_RETRY_AFTER_SECONDS),
      });
    case 'unavailable':
      return new AppError(503, 'unavailable', `${model} is temporarily unavailable; try again shortly.`, {
        ...options,
        retryAfterSeconds,
      });
    case 'timeout':
      return new AppError(503, 'timeout', `${model} did not answer in time; try again shortly.`, {
        ...options,
        retryAfterSeconds,
      });
    case 'upstream':
      return new AppError(502, 'upstream_error', `${model} could not handle this request.`, options);
  }
}
