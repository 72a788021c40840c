import type { ParsedUrlQuery } from 'node:querystring';
import { TOP_K_RANGE } from '../config';
import { decodeCursor, type PageCursor } from '../conversations/cursor';
import type { FeedbackInput } from '../conversations/feedback';
import type { ConversationTarget } from '../conversations/types';
import { AppError } from '../errors';
import type { DocumentInput } from '../ingest/document-input';
import { isDocumentId, MAX_PAGE_SIZE } from '../ingest/documents';
import type { MetadataFilter, QueryInput } from '../rag/answer';
import type { ChatTurn } from '../rag/types';

export interface Paging {
  readonly limit: number;
  readonly offset: number;
}

export interface RequestLimits {
  readonly maxQueryChars: number;
  readonly maxDocumentChars: number;
  readonly historyTurns: number;
  readonly historyTokens: number;
}

export const MAX_TITLE_CHARS = 300;
export const MAX_SOURCE_CHARS = 1000;
export const MAX_HISTORY_ITEMS = 50;
export const MAX_HISTORY_TURN_CHARS = 8000;
export const MAX_FILTER_KEYS = 16;
export const MAX_METADATA_BYTES = 16_384;
export const PAGE_LIMIT_RANGE = { min: 1, max: MAX_PAGE_SIZE, default: 20 } as const;

export interface QueryRequest extends QueryInput {
  readonly conversation: ConversationTarget | undefined;
}

/** `history` is returned untrimmed: the route bounds it (rag/history.ts), stored or sent. */
export function parseQueryRequest(body: unknown, limits: RequestLimits, defaultTopK: number): QueryRequest {
  const fields = objectWithOnly(body, 'The request body', [
    'query',
    'topK',
    'history',
    'filter',
    'conversationId',
    'regenerate',
  ]);
  const topK = fields.topK;
  if (topK !== undefined && !isIntegerIn(topK, TOP_K_RANGE)) {
    throw invalid(`topK must be an integer from ${TOP_K_RANGE.min} to ${TOP_K_RANGE.max}`);
  }
  return {
    query: requiredText(fields.query, 'query', limits.maxQueryChars),
    topK: typeof topK === 'number' ? topK : defaultTopK,
    history: parseHistory(fields.history),
    filter: fields.filter === undefined ? undefined : parseFilter(fields.filter),
    conversation: parseConversationTarget(fields),
  };
}

function parseConversationTarget(fields: Record<string, unknown>): ConversationTarget | undefined {
  const { conversationId, regenerate } = fields;
  if (regenerate !== undefined && typeof regenerate !== 'boolean')
    throw invalid('regenerate must be a boolean');
  if (conversationId === undefined) {
    if (regenerate === true) throw invalid('regenerate needs a conversationId');
    return undefined;
  }
  if (fields.history !== undefined) {
    throw invalid('Send either history or conversationId: a conversation supplies its own history');
  }
  if (typeof conversationId !== 'string' || !isUuid(conversationId)) {
    throw invalid('conversationId must be a conversation id (a UUID)');
  }
  return { id: conversationId.toLowerCase(), regenerate: regenerate === true };
}

function parseHistory(value: unknown): ChatTurn[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid('history must be an array of { role, content } turns');
  if (value.length > MAX_HISTORY_ITEMS) throw invalid(`history must have at most ${MAX_HISTORY_ITEMS} turns`);
  const turns = value.map((item: unknown, index): ChatTurn => {
    const turn = objectWithOnly(item, `history[${index}]`, ['role', 'content']);
    if (turn.role !== 'user' && turn.role !== 'assistant') {
      throw invalid(`history[${index}].role must be "user" or "assistant"`);
    }
    const content = turn.content;
    if (typeof content !== 'string') throw invalid(`history[${index}].content must be a string`);
    if (content.length > MAX_HISTORY_TURN_CHARS) {
      throw invalid(`history[${index}].content must be at most ${MAX_HISTORY_TURN_CHARS} characters`);
    }
    return { role: turn.role, content };
  });
  return turns;
}

function parseFilter(value: unknown): MetadataFilter {
  const filter = objectWithOnly(value, 'filter', undefined);
  const entries = Object.entries(filter);
  if (entries.length > MAX_FILTER_KEYS) throw invalid(`filter must have at most ${MAX_FILTER_KEYS} keys`);
  const result: Record<string, string | number | boolean> = {};
  for (const [key, entry] of entries) {
    if (key === '' || key.length > 64) throw invalid('filter keys must be 1 to 64 characters');
    if (
      typeof entry !== 'string' &&
      typeof entry !== 'boolean' &&
      !(typeof entry === 'number' && Number.isFinite(entry))
    ) {
      throw invalid(`filter.${key} must be a string, number or boolean`);
    }
    result[key] = entry;
  }
  return result;
}

export function parseDocumentJson(body: unknown, limits: RequestLimits): DocumentInput {
  const fields = objectWithOnly(body, 'The request body', ['title', 'content', 'metadata', 'source']);
  return {
    title: requiredText(fields.title, 'title', MAX_TITLE_CHARS),
    content: documentContent(fields.content, limits.maxDocumentChars),
    ...(fields.metadata === undefined ? {} : { metadata: parseMetadata(fields.metadata) }),
    ...(fields.source === undefined
      ? {}
      : { source: requiredText(fields.source, 'source', MAX_SOURCE_CHARS) }),
  };
}

/** A raw text/markdown upload: the body is the content, `?title=` (required) and `?source=` name it. */
export function parseDocumentText(
  content: string,
  query: ParsedUrlQuery,
  limits: RequestLimits,
): DocumentInput {
  const params = queryParams(query, ['title', 'source']);
  return {
    title: requiredText(params.title, 'the title query parameter', MAX_TITLE_CHARS),
    content: documentContent(content, limits.maxDocumentChars),
    ...(params.source === undefined
      ? {}
      : { source: requiredText(params.source, 'source', MAX_SOURCE_CHARS) }),
  };
}

function documentContent(value: unknown, maxChars: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid('content must be a non-empty string');
  if (value.length > maxChars) {
    throw new AppError(413, 'document_too_large', `content must be at most ${maxChars} characters`);
  }
  return value;
}

function parseMetadata(value: unknown): Record<string, unknown> {
  const metadata = objectWithOnly(value, 'metadata', undefined);
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw invalid(`metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
  return metadata;
}

export const MAX_SEARCH_CHARS = 200;

export function parsePaging(query: ParsedUrlQuery): Paging & { readonly search: string | undefined } {
  const params = queryParams(query, ['limit', 'offset', 'search']);
  const search = params.search?.trim();
  if (search !== undefined && (search.length > MAX_SEARCH_CHARS || search.includes('\u0000'))) {
    throw invalid(`search must be at most ${MAX_SEARCH_CHARS} characters`);
  }
  return {
    limit: queryInteger(params.limit, 'limit', PAGE_LIMIT_RANGE.default, PAGE_LIMIT_RANGE),
    offset: queryInteger(params.offset, 'offset', 0, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    search: search === '' ? undefined : search,
  };
}

/**
 * The name of an uploaded file, which becomes the document's source: a relative path with forward
 * slashes (a folder import sends `guides/setup.md`), never absolute, never climbing out with `..`.
 */
export function parseUploadFileName(name: string | undefined): string {
  const normalized = (name ?? '')
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .trim();
  const problem =
    normalized === ''
      ? 'every file part needs a filename'
      : normalized.length > MAX_SOURCE_CHARS
        ? `file names must be at most ${MAX_SOURCE_CHARS} characters`
        : [...normalized].some((character) => character.charCodeAt(0) < 0x20)
          ? 'file names must not contain control characters'
          : normalized.startsWith('/') ||
              /^[A-Za-z]:/.test(normalized) ||
              normalized.split('/').includes('..')
            ? 'file names must be relative paths without ".."'
            : undefined;
  if (problem !== undefined)
    throw new AppError(400, 'invalid_file_name', `${name ?? '(unnamed)'}: ${problem}`);
  return normalized;
}

export function parseDocumentId(id: string | undefined): string {
  if (id === undefined || !isDocumentId(id)) throw new AppError(400, 'invalid_id', 'Document ids are UUIDs');
  return id.toLowerCase();
}

export const MAX_CONVERSATION_TITLE_CHARS = 200;
export const MAX_FEEDBACK_COMMENT_CHARS = 2000;
export const CONVERSATION_PAGE_RANGE = { min: 1, max: 100, default: 30 } as const;

export function parseConversationPaging(query: ParsedUrlQuery): {
  limit: number;
  after: PageCursor | undefined;
} {
  const params = queryParams(query, ['limit', 'cursor']);
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  if (params.cursor !== undefined && after === undefined) {
    throw invalid('cursor must be the nextCursor of a previous page');
  }
  return {
    limit: queryInteger(params.limit, 'limit', CONVERSATION_PAGE_RANGE.default, CONVERSATION_PAGE_RANGE),
    after,
  };
}

export function parseConversationId(id: string | undefined): string {
  if (id === undefined || !isUuid(id)) throw new AppError(400, 'invalid_id', 'Conversation ids are UUIDs');
  return id.toLowerCase();
}

export function parseMessageId(id: string | undefined): string {
  if (id === undefined || !isUuid(id)) throw new AppError(400, 'invalid_id', 'Message ids are UUIDs');
  return id.toLowerCase();
}

/** POST /api/conversations: an optional title (the browser sends the first question). */
export function parseNewConversation(body: unknown): { title: string | undefined } {
  const fields = objectWithOnly(body, 'The request body', ['title']);
  return {
    title:
      fields.title === undefined
        ? undefined
        : requiredText(fields.title, 'title', MAX_CONVERSATION_TITLE_CHARS),
  };
}

/** PATCH /api/conversations/{id}: the new title. */
export function parseConversationPatch(body: unknown): { title: string } {
  const fields = objectWithOnly(body, 'The request body', ['title']);
  return { title: requiredText(fields.title, 'title', MAX_CONVERSATION_TITLE_CHARS) };
}

export function parseFeedback(body: unknown): FeedbackInput {
  const fields = objectWithOnly(body, 'The request body', ['rating', 'comment']);
  if (fields.rating !== 'up' && fields.rating !== 'down') throw invalid('rating must be "up" or "down"');
  const { comment } = fields;
  if (comment !== undefined && comment !== null && typeof comment !== 'string') {
    throw invalid('comment must be a string');
  }
  const text = typeof comment === 'string' ? comment.trim() : '';
  if (text.length > MAX_FEEDBACK_COMMENT_CHARS) {
    throw invalid(`comment must be at most ${MAX_FEEDBACK_COMMENT_CHARS} characters`);
  }
  return { rating: fields.rating, comment: text === '' ? null : text };
}

/** Rejects no query parameters other than `allowed`, and any repeated one. */
export function queryParams(
  query: ParsedUrlQuery,
  allowed: readonly string[],
): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) throw invalid(`Unknown query parameter "${name}"`);
    if (typeof value !== 'string') throw invalid(`Query parameter "${name}" must appear once`);
    result[name] = value;
  }
  return result;
}

function queryInteger(
  value: string | undefined,
  name: string,
  fallback: number,
  range: { min: number; max: number },
) {
  if (value === undefined) return fallback;
  const parsed = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!isIntegerIn(parsed, range))
    throw invalid(`${name} must be an integer from ${range.min} to ${range.max}`);
  return parsed;
}

function requiredText(value: unknown, name: string, maxChars: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${name} must be a non-empty string`);
  if (value.length > maxChars) throw invalid(`${name} must be at most ${maxChars} characters`);
  return value.trim();
}

/** A plain JSON object; with `allowed`, any other field is refused by name. */
function objectWithOnly(
  value: unknown,
  name: string,
  allowed: readonly string[] | undefined,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${name} must be a JSON object`);
  const record: Record<string, unknown> = { ...value };
  const unknownField = allowed && Object.keys(record).find((key) => !allowed.includes(key));
  if (unknownField !== undefined) throw invalid(`Unknown field "${unknownField}" in ${name.toLowerCase()}`);
  return record;
}

function isIntegerIn(value: unknown, range: { min: number; max: number }): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max;
}

function isUuid(value: string): boolean {
  return isDocumentId(value);
}

function invalid(message: string): AppError {
  return new AppError(400, 'invalid_request', message);
}
