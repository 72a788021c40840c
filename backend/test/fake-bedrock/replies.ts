import type { StreamFrame } from './event-stream';

/** What the fake does with one request. Tests queue these per operation. */
export type FakeReply =
  /** A JSON body (InvokeModel model output, or a Converse response). */
  | { readonly kind: 'json'; readonly body: unknown; readonly delayMs?: number }
  /** A modeled AWS error: status, `x-amzn-ErrorType` header and `{ message }` body. */
  | { readonly kind: 'error'; readonly status: number; readonly errorType: string; readonly message: string }
  /**
   * A 200 event-stream response. `ending` says how it ends: normally, by cutting the connection,
   * or by going silent with the connection open.
   */
  | {
      readonly kind: 'stream';
      readonly frames: readonly StreamFrame[];
      readonly frameDelayMs?: number;
      readonly ending?: 'end' | 'destroy' | 'hang';
    }
  /** Never answers; the connection stays open until the client gives up. */
  | { readonly kind: 'hang' }
  /** Anything at all, for malformed responses. */
  | { readonly kind: 'raw'; readonly status: number; readonly contentType: string; readonly body: string };

export function json(body: unknown, delayMs?: number): FakeReply {
  return delayMs === undefined ? { kind: 'json', body } : { kind: 'json', body, delayMs };
}

export function awsError(status: number, errorType: string, message: string): FakeReply {
  return { kind: 'error', status, errorType, message };
}

export const throttling = (): FakeReply =>
  awsError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
export const serviceUnavailable = (): FakeReply =>
  awsError(503, 'ServiceUnavailableException', 'The service is temporarily unable to handle the request.');
export const internalServerError = (): FakeReply =>
  awsError(500, 'InternalServerException', 'An internal server error occurred.');
export const accessDenied = (): FakeReply =>
  awsError(403, 'AccessDeniedException', "You don't have access to the model with the specified model ID.");
export const validationError = (message = 'Malformed input request.'): FakeReply =>
  awsError(400, 'ValidationException', message);
export const serviceQuotaExceeded = (): FakeReply =>
  awsError(400, 'ServiceQuotaExceededException', 'Your request exceeded the service quota for your account.');
export const hang = (): FakeReply => ({ kind: 'hang' });
export const raw = (status: number, contentType: string, body: string): FakeReply => ({
  kind: 'raw',
  status,
  contentType,
  body,
});

/** Titan Text Embeddings V2 InvokeModel output. */
export function titanEmbedding(embedding: readonly number[], inputTextTokenCount = 7): FakeReply {
  return json({ embedding, inputTextTokenCount });
}

/** A unit vector of `dimensions` numbers derived from `text`, so equal texts embed equally. */
export function deterministicEmbedding(text: string, dimensions = 1024): number[] {
  let seed = 2166136261;
  for (const char of text) seed = Math.imul(seed ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  const vector = Array.from({ length: dimensions }, (_, index) => Math.sin(seed + index * 12.9898));
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

/** Bedrock pads every stream event with a random-length `p` field; clients must ignore it. */
function event(eventType: string, payload: Record<string, unknown>): StreamFrame {
  return {
    kind: 'event',
    eventType,
    payload: { ...payload, p: 'abcdefghij'.slice(0, 1 + (eventType.length % 9)) },
  };
}

export const messageStart = (): StreamFrame => event('messageStart', { role: 'assistant' });
export const contentBlockStart = (): StreamFrame =>
  event('contentBlockStart', { contentBlockIndex: 0, start: {} });
export const textDelta = (text: string): StreamFrame =>
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { text } });
export const contentBlockStop = (): StreamFrame => event('contentBlockStop', { contentBlockIndex: 0 });
export const messageStop = (stopReason = 'end_turn'): StreamFrame => event('messageStop', { stopReason });
export const metadata = (): StreamFrame =>
  event('metadata', {
    usage: { inputTokens: 42, outputTokens: 7, totalTokens: 49 },
    metrics: { latencyMs: 321 },
  });
/**
 * The metadata event of an answer the guardrail acted on, with the trace that `guardrailConfig.trace`
 * asks for (ConverseStreamMetadataEvent.trace.guardrail, a GuardrailTraceAssessment).
 */
export const guardrailMetadata = (trace: Record<string, unknown>): StreamFrame =>
  event('metadata', {
    usage: { inputTokens: 42, outputTokens: 3, totalTokens: 45 },
    metrics: { latencyMs: 123 },
    trace: { guardrail: trace },
  });
export const streamException = (exceptionType: string, message: string): StreamFrame => ({
  kind: 'exception',
  exceptionType,
  message,
});

/** The frames of a complete, successful ConverseStream answer made of `tokens`. */
export function answerFrames(tokens: readonly string[]): StreamFrame[] {
  return [messageStart(), ...tokens.map(textDelta), contentBlockStop(), messageStop(), metadata()];
}

export function stream(
  frames: readonly StreamFrame[],
  options: { frameDelayMs?: number; ending?: 'end' | 'destroy' | 'hang' } = {},
): FakeReply {
  return { kind: 'stream', frames, ...options };
}

/** Converse (non-streaming) output. */
export function converseAnswer(text: string): FakeReply {
  return json({
    output: { message: { role: 'assistant', content: [{ text }] } },
    stopReason: 'end_turn',
    usage: { inputTokens: 42, outputTokens: 7, totalTokens: 49 },
    metrics: { latencyMs: 321 },
  });
}
