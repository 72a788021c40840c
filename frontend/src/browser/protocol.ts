/**
 * The backend's answer stream, decoded from untrusted JSON into typed events. Anything that does
 * not have the documented shape is dropped rather than trusted.
 */
import type { SseEvent } from './sse-parser';

export interface Source {
  readonly documentId: string;
  /** Opens the cited passage; absent from backends older than document formats. */
  readonly chunkId: string | undefined;
  readonly title: string;
  readonly excerpt: string;
  readonly score: number;
  /** The PDF page of the passage. */
  readonly page: number | undefined;
}

export type BackendMode = 'local' | 'bedrock';

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds: number | undefined;
}

export type StreamEvent =
  | { readonly type: 'sources'; readonly sources: readonly Source[] }
  | { readonly type: 'token'; readonly text: string }
  | { readonly type: 'done'; readonly answer: string; readonly messageId: string | undefined }
  | { readonly type: 'error'; readonly error: ErrorBody };

export interface Stats {
  readonly documents: number;
  readonly chunks: number;
  readonly mode: BackendMode;
  readonly generationModel: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function decodeSource(value: unknown): Source | undefined {
  if (!isObject(value)) return undefined;
  const { documentId, chunkId, title, excerpt, score, page } = value;
  if (typeof documentId !== 'string' || typeof title !== 'string' || typeof excerpt !== 'string')
    return undefined;
  return {
    documentId,
    chunkId: typeof chunkId === 'string' ? chunkId : undefined,
    page: Number.isInteger(page) && (page as number) >= 1 ? (page as number) : undefined,
    title,
    excerpt,
    score: typeof score === 'number' && Number.isFinite(score) ? score : 0,
  };
}

/** Reads `{ error: { code, message, retryAfterSeconds? } }`, the error shape of every endpoint. */
export function decodeErrorBody(value: unknown): ErrorBody | undefined {
  if (!isObject(value) || !isObject(value.error)) return undefined;
  const { code, message, retryAfterSeconds } = value.error;
  if (typeof code !== 'string') return undefined;
  return {
    code,
    message: typeof message === 'string' ? message : '',
    retryAfterSeconds:
      typeof retryAfterSeconds === 'number' && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0
        ? retryAfterSeconds
        : undefined,
  };
}

export function decodeStreamEvent(event: SseEvent): StreamEvent | undefined {
  const payload = parseJson(event.data);
  if (!isObject(payload)) return undefined;
  switch (event.event) {
    case 'sources': {
      if (!Array.isArray(payload.sources)) return undefined;
      const sources = payload.sources.map(decodeSource).filter((source) => source !== undefined);
      return { type: 'sources', sources };
    }
    case 'token':
      return typeof payload.text === 'string' ? { type: 'token', text: payload.text } : undefined;
    case 'done':
      return {
        type: 'done',
        answer: typeof payload.answer === 'string' ? payload.answer : '',
        messageId: typeof payload.messageId === 'string' ? payload.messageId : undefined,
      };
    case 'error': {
      const error = decodeErrorBody(payload);
      return error === undefined ? undefined : { type: 'error', error };
    }
    default:
      return undefined;
  }
}

export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: string;
}

export type Rating = 'up' | 'down';

export interface Feedback {
  readonly rating: Rating;
  readonly comment: string | null;
}

export interface StoredMessage {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
  readonly sources: readonly Source[];
  readonly feedback: Feedback | undefined;
}

export interface ConversationPage {
  readonly items: readonly ConversationSummary[];
  readonly nextCursor: string | undefined;
}

export function decodeConversationSummary(value: unknown): ConversationSummary | undefined {
  if (!isObject(value)) return undefined;
  const { id, title, updatedAt } = value;
  if (typeof id !== 'string' || typeof title !== 'string') return undefined;
  return { id, title, updatedAt: typeof updatedAt === 'string' ? updatedAt : '' };
}

export function decodeConversationPage(value: unknown): ConversationPage | undefined {
  if (!isObject(value) || !Array.isArray(value.items)) return undefined;
  return {
    items: value.items.map(decodeConversationSummary).filter((item) => item !== undefined),
    nextCursor: typeof value.nextCursor === 'string' ? value.nextCursor : undefined,
  };
}

export function decodeFeedback(value: unknown): Feedback | undefined {
  if (!isObject(value) || (value.rating !== 'up' && value.rating !== 'down')) return undefined;
  return { rating: value.rating, comment: typeof value.comment === 'string' ? value.comment : null };
}

function decodeMessage(value: unknown): StoredMessage | undefined {
  if (!isObject(value)) return undefined;
  const { id, question, answer, sources } = value;
  if (typeof id !== 'string' || typeof question !== 'string' || typeof answer !== 'string') return undefined;
  return {
    id,
    question,
    answer,
    sources: Array.isArray(sources) ? sources.map(decodeSource).filter((source) => source !== undefined) : [],
    feedback: decodeFeedback(value.feedback),
  };
}

export function decodeConversation(
  value: unknown,
): (ConversationSummary & { readonly messages: readonly StoredMessage[] }) | undefined {
  const summary = decodeConversationSummary(value);
  if (summary === undefined || !isObject(value) || !Array.isArray(value.messages)) return undefined;
  return {
    ...summary,
    messages: value.messages.map(decodeMessage).filter((message) => message !== undefined),
  };
}

export function decodeStats(value: unknown): Stats | undefined {
  if (!isObject(value)) return undefined;
  const { documents, chunks, mode, generationModel } = value;
  if (typeof documents !== 'number' || typeof chunks !== 'number') return undefined;
  if (mode !== 'local' && mode !== 'bedrock') return undefined;
  return {
    documents,
    chunks,
    mode,
    generationModel: typeof generationModel === 'string' ? generationModel : '',
  };
}

/** `Retry-After` in its delta-seconds form; the HTTP-date form is not used by this backend. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}
