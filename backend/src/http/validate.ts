import type { ParsedUrlQuery } from 'node:querystring';
import type { z } from 'zod';
import { decodeCursor, type PageCursor } from '../conversations/cursor';
import type { FeedbackInput } from '../conversations/feedback';
import type { ConversationTarget } from '../conversations/types';
import { AppError } from '../errors';
import type { DocumentInput } from '../ingest/document-input';
import type { QueryInput } from '../rag/answer';
import type { ErrorCode } from '../service-kit/error-codes';
import {
  type ApiLimits,
  type ApiSchemas,
  apiSchemas,
  CONVERSATION_PAGE_RANGE,
  type IssueOutcome,
  MAX_SOURCE_CHARS,
  PAGE_LIMIT_RANGE,
} from './api-schema';

export interface Paging {
  readonly limit: number;
  readonly offset: number;
}

export interface QueryRequest extends QueryInput {
  readonly conversation: ConversationTarget | undefined;
}

const schemasByLimits = new WeakMap<ApiLimits, ApiSchemas>();

/** The schemas for these limits, built once per configuration. */
export function schemasFor(limits: ApiLimits): ApiSchemas {
  let schemas = schemasByLimits.get(limits);
  if (schemas === undefined) {
    schemas = apiSchemas(limits);
    schemasByLimits.set(limits, schemas);
  }
  return schemas;
}

/** Schemas that do not depend on the limits (path parameters, conversations, feedback). */
const fixed = apiSchemas({
  maxBodyBytes: 0,
  maxQueryChars: 0,
  maxDocumentChars: 0,
  historyTurns: 0,
  historyTokens: 0,
  maxUploadFileBytes: 0,
  maxUploadFiles: 0,
});

type Part = 'body' | 'query' | 'path';

/**
 * Parses `value` with `schema`, or throws the first problem as an AppError: 400 `invalid_request`
 * (`invalid_id` for a path parameter) naming the field, unless the schema's issue asks for another
 * status and code.
 */
export function parseWith<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  part: Part,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new AppError(400, 'invalid_request', 'The request is invalid');
  const outcome = issue.code === 'custom' ? (issue.params as IssueOutcome | undefined) : undefined;
  const code = outcome?.code ?? (part === 'path' ? 'invalid_id' : 'invalid_request');
  return raise(outcome?.status ?? 400, code, describe(issue, value, part));
}

function raise(status: number, code: ErrorCode, message: string): never {
  throw new AppError(status, code, message);
}

function describe(issue: z.core.$ZodIssue, value: unknown, part: Part): string {
  const path = issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    if (part === 'query') return `Unknown query parameter "${key}"`;
    return `Unknown field "${key}" in ${path.length === 0 ? 'the request body' : fieldName(path)}`;
  }
  const name = String(path[0] ?? '');
  if (part === 'query' && Array.isArray((value as Record<string, unknown> | undefined)?.[name])) {
    return `Query parameter "${name}" must appear once`;
  }
  if (path.length === 0 || /^[A-Z]/.test(issue.message)) return issue.message;
  return `${fieldName(path)} ${issue.message}`;
}

/** `history[0].role`, `filter.team`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}

/** `history` is returned untrimmed: the route bounds it (rag/history.ts), stored or sent. */
export function parseQueryRequest(body: unknown, limits: ApiLimits, defaultTopK: number): QueryRequest {
  const request = parseWith(schemasFor(limits).QueryRequest, body, 'body');
  return {
    query: request.query,
    topK: request.topK ?? defaultTopK,
    history: request.history ?? [],
    filter: request.filter,
    conversation:
      request.conversationId === undefined
        ? undefined
        : { id: request.conversationId, regenerate: request.regenerate === true },
  };
}

export function parseDocumentJson(body: unknown, limits: ApiLimits): DocumentInput {
  const { title, content, metadata, source } = parseWith(schemasFor(limits).DocumentInput, body, 'body');
  return {
    title,
    content,
    ...(metadata === undefined ? {} : { metadata }),
    ...(source === undefined ? {} : { source }),
  };
}

/** A raw text/markdown upload: the body is the content, `?title=` (required) and `?source=` name it. */
export function parseDocumentText(content: string, query: ParsedUrlQuery, limits: ApiLimits): DocumentInput {
  const schemas = schemasFor(limits);
  const { title, source } = parseWith(schemas.TextDocumentQuery, query, 'query');
  parseWith(schemas.TextDocumentContent, { content }, 'body');
  return { title, content, ...(source === undefined ? {} : { source }) };
}

export function parsePaging(query: ParsedUrlQuery): Paging & { readonly search: string | undefined } {
  const { limit, offset, search } = parseWith(fixed.DocumentListQuery, query, 'query');
  return {
    limit: limit ?? PAGE_LIMIT_RANGE.default,
    offset: offset ?? 0,
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
  return parseWith(fixed.DocumentIdParams, { id }, 'path').id;
}

export function parseConversationPaging(query: ParsedUrlQuery): {
  limit: number;
  after: PageCursor | undefined;
} {
  const { limit, cursor } = parseWith(fixed.ConversationListQuery, query, 'query');
  return {
    limit: limit ?? CONVERSATION_PAGE_RANGE.default,
    after: cursor === undefined ? undefined : decodeCursor(cursor),
  };
}

export function parseConversationId(id: string | undefined): string {
  return parseWith(fixed.ConversationIdParams, { id }, 'path').id;
}

export function parseMessageId(id: string | undefined): string {
  return parseWith(fixed.MessageIdParams, { messageId: id }, 'path').messageId;
}

/** POST /api/conversations: an optional title (the browser sends the first question). */
export function parseNewConversation(body: unknown): { title: string | undefined } {
  return { title: parseWith(fixed.NewConversation, body, 'body').title };
}

/** PATCH /api/conversations/{id}: the new title. */
export function parseConversationPatch(body: unknown): { title: string } {
  return parseWith(fixed.ConversationTitle, body, 'body');
}

export function parseFeedback(body: unknown): FeedbackInput {
  const { rating, comment } = parseWith(fixed.Feedback, body, 'body');
  return { rating, comment: comment === undefined || comment === null || comment === '' ? null : comment };
}

/** Refuses any query parameter on a route that takes none. */
export function refuseQueryParams(query: ParsedUrlQuery): void {
  parseWith(fixed.NoQuery, query, 'query');
}
