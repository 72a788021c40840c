import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Limits } from '../config';
import { decodeCursor } from '../conversations/cursor';
import { MAX_PAGE_SIZE } from '../ingest/document-store';
import { SUPPORTED_EXTENSIONS } from '../ingest/formats/detect-format';
import { DOCUMENT_FORMATS } from '../ingest/formats/extracted-document';
import { MAX_TOP_K, MIN_TOP_K } from '../retrieval/retrieve';
import { ERROR_CODES, type ErrorCode } from '../service-kit/error-codes';

extendZodWithOpenApi(z);

/**
 * The HTTP API's requests and responses, stated once. validate.ts parses requests with these
 * schemas, openapi.ts turns them into the OpenAPI document, and the types below are inferred from
 * them. Messages are written after the field's name ("must be ...", validate.ts prefixes the path);
 * a message that starts with a capital letter is a whole sentence and is sent as it is.
 */

/** The configured limits the schemas state. */
export type ApiLimits = Pick<
  Limits,
  | 'maxBodyBytes'
  | 'maxQueryChars'
  | 'maxDocumentChars'
  | 'historyTurns'
  | 'historyTokens'
  | 'maxUploadFileBytes'
  | 'maxUploadFiles'
>;

export const MAX_TITLE_CHARS = 300;
export const MAX_SOURCE_CHARS = 1000;
export const MAX_HISTORY_ITEMS = 50;
export const MAX_HISTORY_TURN_CHARS = 8000;
export const MAX_FILTER_KEYS = 16;
export const MAX_FILTER_KEY_CHARS = 64;
export const MAX_METADATA_BYTES = 16_384;
export const MAX_SEARCH_CHARS = 200;
export const MAX_CONVERSATION_TITLE_CHARS = 200;
export const MAX_FEEDBACK_COMMENT_CHARS = 2000;
export const PAGE_LIMIT_RANGE = { min: 1, max: MAX_PAGE_SIZE, default: 20 } as const;
export const CONVERSATION_PAGE_RANGE = { min: 1, max: 100, default: 30 } as const;

/** The status and code a custom issue asks for instead of 400 `invalid_request`. */
export interface IssueOutcome {
  readonly status: number;
  readonly code: ErrorCode;
}

const NON_EMPTY = 'must be a non-empty string';

/** Trimmed; blank is refused; the length bound applies to what was sent. */
const requiredText = (maxChars: number) =>
  z
    .string({ error: NON_EMPTY })
    .max(maxChars, { error: `must be at most ${maxChars} characters` })
    .trim()
    .min(1, { error: NON_EMPTY });

/** A UUID in any case, lowercased. */
const uuid = (error: string) => z.guid({ error }).overwrite((value) => value.toLowerCase());

const integerIn = (range: { readonly min: number; readonly max: number }) => {
  const error = `must be an integer from ${range.min} to ${range.max}`;
  return z.int({ error }).min(range.min, { error }).max(range.max, { error });
};

/** A query parameter holding an integer: only plain digits are read as one. */
const queryInteger = (range: { readonly min: number; readonly max: number; readonly default: number }) =>
  z
    .preprocess(
      (value) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value),
      integerIn(range),
    )
    .optional()
    .openapi({ type: 'integer', minimum: range.min, maximum: range.max, default: range.default });

const isoTime = z.iso.datetime({ offset: true });
const id = z.guid();
const providerMode = z.enum(['local', 'bedrock']);

// ---- errors ----

export const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .enum(ERROR_CODES)
        .openapi({ description: 'One of the service\'s error codes (README, "Errors")' }),
      message: z.string(),
      retryAfterSeconds: z.int().optional(),
    }),
  })
  .openapi('Error', { description: 'Every error response has this shape.' });

// ---- responses shared by several routes ----

export const Source = z
  .object({
    documentId: id,
    chunkId: id.openapi({
      description: 'Opens the passage: GET /api/documents/{documentId}/passages/{chunkId}',
    }),
    title: z.string(),
    excerpt: z.string(),
    score: z.number().min(0).max(1),
    page: z.int().min(1).optional().openapi({ description: 'The PDF page of the passage' }),
    headingPath: z
      .array(z.string())
      .optional()
      .openapi({ description: 'Headings above the passage, outermost first' }),
  })
  .openapi('Source');

export const Timings = z
  .object({
    embeddingMs: z.number(),
    retrievalMs: z.number(),
    generationMs: z.number(),
    totalMs: z.number(),
  })
  .openapi('Timings');

export const FeedbackView = z
  .object({
    rating: z.enum(['up', 'down']),
    comment: z.string().max(MAX_FEEDBACK_COMMENT_CHARS).nullable(),
  })
  .openapi('FeedbackView');

export const ConversationSummary = z
  .object({
    id,
    title: z.string(),
    createdAt: isoTime,
    updatedAt: isoTime.openapi({ description: 'Last answer or rename' }),
  })
  .openapi('ConversationSummary');

export const DocumentSummary = z
  .object({
    id,
    title: z.string(),
    source: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    format: z.enum(DOCUMENT_FORMATS),
    fileSha256: z
      .string()
      .nullable()
      .openapi({ description: 'SHA-256 of the uploaded file; null for JSON and text uploads' }),
    chunkCount: z.int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi('DocumentSummary');

export const DocumentDetail = DocumentSummary.extend({
  content: z.string(),
  contentSha256: z.string(),
}).openapi('DocumentDetail');

export const FileOutcome = z
  .union([
    z.object({
      file: z.string().openapi({ description: 'The file name as stored (the source)' }),
      status: z.enum(['stored', 'replaced', 'unchanged']),
      id,
      chunks: z.int(),
    }),
    z.object({
      file: z.string(),
      status: z.literal('rejected'),
      error: z
        .object({ status: z.int(), code: z.enum(ERROR_CODES), message: z.string() })
        .openapi({ description: 'The message starts with the file name' }),
    }),
  ])
  .openapi('FileOutcome');

const fileResults = z.array(FileOutcome).openapi({ description: 'One per part, in order' });

export const UploadResults = z.object({ results: fileResults }).openapi('UploadResults');

/** Every file of a multipart upload was refused: the error of the first, and every outcome. */
export const UploadError = ErrorBody.extend({ results: fileResults.optional() }).openapi('UploadError', {
  description: 'An error; when every file of a multipart upload was refused, also each outcome.',
});

/** Builds every schema; the limit-dependent ones state the configured bounds. */
export function apiSchemas(limits: ApiLimits) {
  const ChatTurn = z
    .strictObject(
      {
        role: z.enum(['user', 'assistant'], { error: 'must be "user" or "assistant"' }),
        content: z
          .string({ error: 'must be a string' })
          .max(MAX_HISTORY_TURN_CHARS, { error: `must be at most ${MAX_HISTORY_TURN_CHARS} characters` }),
      },
      { error: 'must be a JSON object' },
    )
    .openapi('ChatTurn');

  const MetadataFilter = z
    .record(
      z.string().min(1).max(MAX_FILTER_KEY_CHARS),
      z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, number or boolean' }),
      {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? `keys must be 1 to ${MAX_FILTER_KEY_CHARS} characters`
            : 'must be a JSON object',
      },
    )
    .refine((filter) => Object.keys(filter).length <= MAX_FILTER_KEYS, {
      error: `must have at most ${MAX_FILTER_KEYS} keys`,
    })
    .openapi({
      maxProperties: MAX_FILTER_KEYS,
      description: 'Only documents whose metadata has all of these values.',
    });

  const QueryRequest = z
    .strictObject(
      {
        query: requiredText(limits.maxQueryChars).refine((query) => !query.includes('\u0000'), {
          error: 'must not contain the NUL character (U+0000)',
        }),
        topK: integerIn({ min: MIN_TOP_K, max: MAX_TOP_K }).optional(),
        history: z
          .array(ChatTurn, { error: 'must be an array of { role, content } turns' })
          .max(MAX_HISTORY_ITEMS, { error: `must have at most ${MAX_HISTORY_ITEMS} turns` })
          .optional()
          .openapi({
            description: `Earlier turns, oldest first, for callers that keep no conversation; the most recent ones within ${limits.historyTurns} turns and ${limits.historyTokens} estimated tokens are used. Not allowed with conversationId.`,
          }),
        filter: MetadataFilter.optional(),
        conversationId: uuid('must be a conversation id (a UUID)').optional().openapi({
          description:
            'Ask within a stored conversation: its answers are the history (bounded like history) and the new answer is stored in it.',
        }),
        regenerate: z.boolean({ error: 'must be a boolean' }).optional().openapi({
          description:
            "With conversationId: answer the conversation's last question (query must repeat it) again, replacing its last answer.",
        }),
      },
      { error: 'The request body must be a JSON object' },
    )
    .superRefine((request, context) => {
      if (request.regenerate === true && request.conversationId === undefined)
        context.addIssue({ code: 'custom', path: ['regenerate'], message: 'needs a conversationId' });
      if (request.conversationId !== undefined && request.history !== undefined)
        context.addIssue({
          code: 'custom',
          path: [],
          message: 'Send either history or conversationId: a conversation supplies its own history',
        });
    })
    .openapi('QueryRequest');

  const QueryResponse = z
    .object({
      messageId: id
        .nullable()
        .openapi({ description: 'The stored message, when asked within a conversation' }),
      answer: z.string().openapi({ description: 'Cites sources as [n], n = index in sources + 1.' }),
      sources: z.array(Source),
      query: z.string(),
      timings: Timings,
      mode: providerMode,
      model: z.string(),
    })
    .openapi('QueryResponse');

  const tooLarge: IssueOutcome = { status: 413, code: 'document_too_large' };
  const DocumentContent = z
    .string({ error: NON_EMPTY })
    .refine((content) => content.trim() !== '', { error: NON_EMPTY, abort: true })
    .refine((content) => content.length <= limits.maxDocumentChars, {
      error: `must be at most ${limits.maxDocumentChars} characters`,
      params: tooLarge,
    })
    .openapi({ minLength: 1, maxLength: limits.maxDocumentChars });

  const DocumentInput = z
    .strictObject(
      {
        title: requiredText(MAX_TITLE_CHARS),
        content: DocumentContent,
        metadata: z
          .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
          .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES, {
            error: `must be at most ${MAX_METADATA_BYTES} bytes of JSON`,
          })
          .optional()
          .openapi({ description: `At most ${MAX_METADATA_BYTES} bytes of JSON` }),
        source: requiredText(MAX_SOURCE_CHARS).optional().openapi({
          description: 'Where the document comes from; a new upload with the same source replaces it.',
        }),
      },
      { error: 'The request body must be a JSON object' },
    )
    .openapi('DocumentInput');

  /** A text/markdown body is the content; the query names it. */
  const TextDocumentQuery = z.strictObject({
    title: requiredText(MAX_TITLE_CHARS).openapi({ description: 'Required for text bodies' }),
    source: requiredText(MAX_SOURCE_CHARS).optional().openapi({ description: 'Text bodies only' }),
  });
  const TextDocumentContent = z.object({ content: DocumentContent });

  const FileUpload = z
    .object({
      files: z.array(z.string().openapi({ format: 'binary' })),
    })
    .openapi('FileUpload', {
      description: `One or more parts named \`files\`, each a file of at most ${limits.maxUploadFileBytes} bytes (MAX_UPLOAD_FILE_BYTES), at most ${limits.maxUploadFiles} files (MAX_UPLOAD_FILES). The file name (a relative path for a folder import) is the document's source. Read by extension or media type: ${SUPPORTED_EXTENSIONS.join(', ')}.`,
    });

  const IngestResult = z
    .object({ id, status: z.enum(['created', 'replaced', 'unchanged']), chunks: z.int() })
    .openapi('IngestResult');

  const DocumentListQuery = z.strictObject({
    limit: queryInteger(PAGE_LIMIT_RANGE),
    offset: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER, default: 0 }),
    search: z
      .string()
      .trim()
      .max(MAX_SEARCH_CHARS, { error: `must be at most ${MAX_SEARCH_CHARS} characters` })
      .refine((search) => !search.includes('\u0000'), {
        error: `must be at most ${MAX_SEARCH_CHARS} characters`,
      })
      .optional()
      .openapi({ description: 'Only documents whose title or source contains this, ignoring case' }),
  });

  const DocumentPage = z
    .object({ items: z.array(DocumentSummary), total: z.int(), limit: z.int(), offset: z.int() })
    .openapi('DocumentPage');

  const Passage = z
    .object({
      document: DocumentDetail,
      chunkId: id,
      start: z.int().nullable().openapi({
        description: 'Where the passage starts in document.content (null for chunks stored before formats)',
      }),
      end: z.int().nullable(),
      page: z.int().nullable(),
      headingPath: z.array(z.string()).nullable(),
      content: z.string(),
    })
    .openapi('Passage');

  const DocumentIdParams = z.object({ id: uuid('Document ids are UUIDs') });
  const PassageParams = DocumentIdParams.extend({ chunkId: uuid('Document ids are UUIDs') });

  const ConversationListQuery = z.strictObject({
    limit: queryInteger(CONVERSATION_PAGE_RANGE),
    cursor: z
      .string()
      .refine((cursor) => decodeCursor(cursor) !== undefined, {
        error: 'must be the nextCursor of a previous page',
      })
      .optional()
      .openapi({ description: 'nextCursor of the previous page' }),
  });

  const ConversationPage = z
    .object({
      items: z.array(ConversationSummary),
      nextCursor: z.string().nullable().openapi({ description: 'Pass as cursor for the next page' }),
    })
    .openapi('ConversationPage');

  const ConversationTitle = z
    .strictObject(
      { title: requiredText(MAX_CONVERSATION_TITLE_CHARS) },
      { error: 'The request body must be a JSON object' },
    )
    .openapi('ConversationTitle');
  const NewConversation = ConversationTitle.partial().openapi('NewConversation', {
    description: 'The title defaults to "New chat"',
  });

  const Message = z
    .object({
      id,
      question: z.string(),
      answer: z.string(),
      sources: z.array(Source).openapi({ description: 'As they were shown' }),
      mode: z
        .string()
        .openapi({ description: 'The provider mode that answered (local or bedrock), as stored' }),
      model: z.string(),
      timings: Timings,
      createdAt: isoTime,
      feedback: FeedbackView.nullable(),
    })
    .openapi('Message');

  const ConversationDetail = ConversationSummary.extend({ messages: z.array(Message) }).openapi(
    'ConversationDetail',
  );

  const ConversationIdParams = z.object({ id: uuid('Conversation ids are UUIDs') });
  const MessageIdParams = z.object({ messageId: uuid('Message ids are UUIDs') });
  const MessageParams = ConversationIdParams.extend(MessageIdParams.shape);

  const Feedback = z
    .strictObject(
      {
        rating: z.enum(['up', 'down'], { error: 'must be "up" or "down"' }),
        comment: z
          .string({ error: 'must be a string' })
          .trim()
          .max(MAX_FEEDBACK_COMMENT_CHARS, {
            error: `must be at most ${MAX_FEEDBACK_COMMENT_CHARS} characters`,
          })
          .nullable()
          .optional(),
      },
      { error: 'The request body must be a JSON object' },
    )
    .openapi('Feedback');

  const FeedbackRecord = z
    .object({
      id,
      messageId: id.nullable(),
      owner: z.string().openapi({ description: 'The identity subject who rated' }),
      rating: z.enum(['up', 'down']),
      comment: z.string().nullable(),
      question: z.string(),
      answer: z.string(),
      sources: z.array(Source),
      model: z.string(),
      createdAt: isoTime,
      updatedAt: isoTime,
    })
    .openapi('FeedbackRecord', {
      description: 'One line of the export; the copy of the answer outlives its conversation.',
    });

  const Deleted = z.object({ deleted: z.int() }).openapi('Deleted');

  const Me = z
    .object({
      signIn: z.enum(['off', 'alb']),
      subject: z.string().openapi({ description: "The token's sub; local, anonymous or automation" }),
      email: z.string().optional(),
      groups: z.array(z.string()),
      admin: z.boolean().openapi({ description: 'May manage documents' }),
    })
    .openapi('Me');

  const Stats = z
    .object({
      documents: z.int(),
      chunks: z.int(),
      embeddingModel: z.string(),
      generationModel: z.string(),
      mode: providerMode,
    })
    .openapi('Stats');

  const status = <T extends string>(value: T) => z.object({ status: z.literal(value) });

  /** Routes that take no query parameters at all. */
  const NoQuery = z.strictObject({});

  return {
    ErrorBody,
    UploadError,
    ChatTurn,
    QueryRequest,
    QueryResponse,
    DocumentInput,
    TextDocumentQuery,
    TextDocumentContent,
    FileUpload,
    IngestResult,
    UploadResults,
    DocumentListQuery,
    DocumentPage,
    DocumentDetail,
    Passage,
    DocumentIdParams,
    PassageParams,
    ConversationListQuery,
    ConversationPage,
    ConversationSummary,
    ConversationTitle,
    NewConversation,
    ConversationDetail,
    ConversationIdParams,
    MessageIdParams,
    MessageParams,
    Feedback,
    FeedbackView,
    FeedbackRecord,
    Deleted,
    Me,
    Stats,
    Alive: status('ok'),
    Ready: status('ready'),
    NoQuery,
  };
}

export type ApiSchemas = ReturnType<typeof apiSchemas>;

/** What each schema describes, as TypeScript: requests as parsed. */
export type ApiType<Name extends keyof ApiSchemas> = z.output<ApiSchemas[Name]>;

type DeepReadonly<T> = T extends (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
    : T;

/** A response body as a route may send it (`ctx.body = ... satisfies ApiResponse<'Stats'>`). */
export type ApiResponse<Name extends keyof ApiSchemas> = DeepReadonly<z.input<ApiSchemas[Name]>>;
