import { type ChatFailure, classifyError } from './chat-failure';
import {
  decodeErrorBody,
  decodeStats,
  decodeStreamEvent,
  parseRetryAfter,
  type Source,
  type Stats,
} from './protocol';
import { SseParser } from './sse-parser';

export interface AnswerHandlers {
  onSources(sources: readonly Source[]): void;
  onToken(text: string): void;
}

export type AnswerOutcome =
  | { readonly kind: 'done'; readonly answer: string; readonly messageId: string | undefined }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'failed'; readonly failure: ChatFailure };

/**
 * Asks the backend (through the frontend's proxy at `apiBase`) and streams the answer into
 * `handlers`. Never throws: every way an answer can end is an outcome.
 */
export async function streamAnswer(
  apiBase: string,
  request: { readonly query: string; readonly conversationId: string; readonly regenerate?: boolean },
  handlers: AnswerHandlers,
  signal: AbortSignal,
): Promise<AnswerOutcome> {
  let response: Response;
  try {
    response = await fetch(`${apiBase}/api/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(request),
      signal,
    });
  } catch {
    return signal.aborted ? { kind: 'stopped' } : unavailable(undefined);
  }
  if (!response.ok) return { kind: 'failed', failure: await failureFromResponse(response) };
  if (response.body === null) return { kind: 'failed', failure: { kind: 'interrupted' } };

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { kind: 'failed', failure: { kind: 'interrupted' } };
      for (const event of parser.push(value).map(decodeStreamEvent)) {
        if (event === undefined) continue;
        if (event.type === 'sources') handlers.onSources(event.sources);
        else if (event.type === 'token') handlers.onToken(event.text);
        else if (event.type === 'done')
          return { kind: 'done', answer: event.answer, messageId: event.messageId };
        else {
          const { code, message, retryAfterSeconds } = event.error;
          return { kind: 'failed', failure: classifyError(code, message, undefined, retryAfterSeconds) };
        }
      }
    }
  } catch {
    return signal.aborted ? { kind: 'stopped' } : { kind: 'failed', failure: { kind: 'interrupted' } };
  } finally {
    // Whatever ended the answer, the rest of the body is no longer wanted.
    reader.cancel().catch(() => {});
  }
}

export async function fetchStats(apiBase: string): Promise<Stats | undefined> {
  try {
    const response = await fetch(`${apiBase}/api/stats`, { headers: { Accept: 'application/json' } });
    return response.ok ? decodeStats(await response.json()) : undefined;
  } catch {
    return undefined;
  }
}

export type ApiResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: ChatFailure };

/**
 * One JSON call to the backend; `decode` checks the body's shape. Never throws: a network error,
 * an error status or an unexpected body is a failure the caller can describe.
 */
export async function callApi<T>(
  apiBase: string,
  path: string,
  init: { readonly method: string; readonly body?: unknown },
  decode: (body: unknown) => T | undefined,
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(`${apiBase}${path}`, {
      method: init.method,
      headers: {
        Accept: 'application/json',
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    return { ok: false, failure: { kind: 'unavailable', retryAfterSeconds: undefined } };
  }
  if (!response.ok) return { ok: false, failure: await failureFromResponse(response) };
  let body: unknown;
  try {
    body = response.status === 204 ? null : await response.json();
  } catch {
    body = undefined;
  }
  const value = decode(body);
  return value === undefined ? { ok: false, failure: { kind: 'interrupted' } } : { ok: true, value };
}

function unavailable(retryAfterSeconds: number | undefined): AnswerOutcome {
  return { kind: 'failed', failure: { kind: 'unavailable', retryAfterSeconds } };
}

async function failureFromResponse(response: Response): Promise<ChatFailure> {
  const retryAfterHeader = parseRetryAfter(response.headers.get('Retry-After'));
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = decodeErrorBody(body);
  return classifyError(
    error?.code ?? `http_${response.status}`,
    error?.message ?? '',
    response.status,
    error?.retryAfterSeconds ?? retryAfterHeader,
  );
}
