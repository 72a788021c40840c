import { SUPPORTED_EXTENSIONS } from '../ingest/formats/detect-format';
import { DOCUMENT_FORMATS, FILE_REJECTIONS } from '../ingest/formats/extracted-document';
import { MAX_TOP_K, MIN_TOP_K } from '../retrieval/retrieve';
import {
  CONVERSATION_PAGE_RANGE,
  MAX_CONVERSATION_TITLE_CHARS,
  MAX_FEEDBACK_COMMENT_CHARS,
  MAX_FILTER_KEYS,
  MAX_HISTORY_ITEMS,
  MAX_HISTORY_TURN_CHARS,
  MAX_SEARCH_CHARS,
  MAX_SOURCE_CHARS,
  MAX_TITLE_CHARS,
  PAGE_LIMIT_RANGE,
  type RequestLimits,
} from './validate';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
};
const timedOut = errorResponse('The request ran out of time (REQUEST_TIMEOUT_MS)');
const documentId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
};

const uuidPath = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
});
const conversationId = uuidPath('id');
const ownerNote = "Only the caller's own conversations exist for the caller: any other id is 404.";

const SSE_DESCRIPTION = [
  'Sent when the request has `Accept: text/event-stream`. Events, in order:',
  '`sources` (`{"sources":[Source],"mode":"local|bedrock","model":"..."}`, source i is cited as [i+1]),',
  'then any number of `token` (`{"text":"..."}`), then exactly one of `done`',
  '(`{"answer":"...","timings":Timings,"messageId":"uuid|null"}`) or `error` (`{"error":{"code","message","retryAfterSeconds?"}}`).',
].join(' ');

/** The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json. */
export function openApiDocument(
  limits: RequestLimits & {
    readonly maxBodyBytes: number;
    readonly maxUploadFileBytes: number;
    readonly maxUploadFiles: number;
  },
) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'ragchat backend',
      version: '0.1.0',
      description: `Retrieval-augmented question answering over an indexed document corpus. Request bodies are limited to ${limits.maxBodyBytes} bytes; every error has the shape of the Error schema.`,
    },
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'The ADMIN_TOKEN (automation only)' },
        albSignIn: {
          type: 'apiKey',
          in: 'header',
          name: 'x-amzn-oidc-data',
          description:
            'With SIGNIN_MODE=alb: the token the load balancer adds after sign-in (ES256, signed by this ALB)',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: {
                  type: 'string',
                  examples: [
                    'invalid_request',
                    'unauthorized',
                    'forbidden',
                    'daily_limit_reached',
                    'throttled',
                    'guardrail_intervened',
                    'database_unavailable',
                  ],
                },
                message: { type: 'string' },
                retryAfterSeconds: { type: 'integer' },
              },
            },
          },
        },
        ChatTurn: {
          type: 'object',
          additionalProperties: false,
          required: ['role', 'content'],
          properties: {
            role: { enum: ['user', 'assistant'] },
            content: { type: 'string', maxLength: MAX_HISTORY_TURN_CHARS },
          },
        },
        QueryRequest: {
          type: 'object',
          additionalProperties: false,
          required: ['query'],
          properties: {
            query: { type: 'string', minLength: 1, maxLength: limits.maxQueryChars },
            topK: { type: 'integer', minimum: MIN_TOP_K, maximum: MAX_TOP_K },
            history: {
              type: 'array',
              maxItems: MAX_HISTORY_ITEMS,
              items: ref('ChatTurn'),
              description: `Earlier turns, oldest first, for callers that keep no conversation; the most recent ones within ${limits.historyTurns} turns and ${limits.historyTokens} estimated tokens are used. Not allowed with conversationId.`,
            },
            conversationId: {
              type: 'string',
              format: 'uuid',
              description:
                'Ask within a stored conversation: its answers are the history (bounded like history) and the new answer is stored in it.',
            },
            regenerate: {
              type: 'boolean',
              description:
                "With conversationId: answer the conversation's last question (query must repeat it) again, replacing its last answer.",
            },
            filter: {
              type: 'object',
              maxProperties: MAX_FILTER_KEYS,
              additionalProperties: { type: ['string', 'number', 'boolean'] },
              description: 'Only documents whose metadata has all of these values.',
            },
          },
        },
        Source: {
          type: 'object',
          required: ['documentId', 'chunkId', 'title', 'excerpt', 'score'],
          properties: {
            documentId: { type: 'string', format: 'uuid' },
            chunkId: {
              type: 'string',
              format: 'uuid',
              description: 'Opens the passage: GET /api/documents/{documentId}/passages/{chunkId}',
            },
            title: { type: 'string' },
            excerpt: { type: 'string' },
            score: { type: 'number', minimum: 0, maximum: 1 },
            page: { type: 'integer', minimum: 1, description: 'The PDF page of the passage' },
            headingPath: {
              type: 'array',
              items: { type: 'string' },
              description: 'Headings above the passage, outermost first',
            },
          },
        },
        Timings: {
          type: 'object',
          required: ['embeddingMs', 'retrievalMs', 'generationMs', 'totalMs'],
          properties: {
            embeddingMs: { type: 'number' },
            retrievalMs: { type: 'number' },
            generationMs: { type: 'number' },
            totalMs: { type: 'number' },
          },
        },
        QueryResponse: {
          type: 'object',
          required: ['answer', 'sources', 'query', 'timings', 'mode', 'model', 'messageId'],
          properties: {
            messageId: {
              type: ['string', 'null'],
              format: 'uuid',
              description: 'The stored message, when asked within a conversation',
            },
            answer: { type: 'string', description: 'Cites sources as [n], n = index in sources + 1.' },
            sources: { type: 'array', items: ref('Source') },
            query: { type: 'string' },
            timings: ref('Timings'),
            mode: { enum: ['local', 'bedrock'] },
            model: { type: 'string' },
          },
        },
        DocumentInput: {
          type: 'object',
          additionalProperties: false,
          required: ['title', 'content'],
          properties: {
            title: { type: 'string', minLength: 1, maxLength: MAX_TITLE_CHARS },
            content: { type: 'string', minLength: 1, maxLength: limits.maxDocumentChars },
            metadata: { type: 'object' },
            source: {
              type: 'string',
              maxLength: MAX_SOURCE_CHARS,
              description: 'Where the document comes from; a new upload with the same source replaces it.',
            },
          },
        },
        IngestResult: {
          type: 'object',
          required: ['id', 'status', 'chunks'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            status: { enum: ['created', 'replaced', 'unchanged'] },
            chunks: { type: 'integer' },
          },
        },
        FileUpload: {
          type: 'object',
          description: `One or more parts named \`files\`, each a file of at most ${limits.maxUploadFileBytes} bytes (MAX_UPLOAD_FILE_BYTES), at most ${limits.maxUploadFiles} files (MAX_UPLOAD_FILES). The file name (a relative path for a folder import) is the document's source. Read by extension or media type: ${SUPPORTED_EXTENSIONS.join(', ')}.`,
          properties: {
            files: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' } },
          },
        },
        FileOutcome: {
          type: 'object',
          required: ['file', 'status'],
          properties: {
            file: { type: 'string', description: 'The file name as stored (the source)' },
            status: { enum: ['stored', 'replaced', 'unchanged', 'rejected'] },
            id: { type: 'string', format: 'uuid', description: 'Unless rejected' },
            chunks: { type: 'integer', description: 'Unless rejected' },
            error: {
              type: 'object',
              description: 'When rejected; the message starts with the file name',
              required: ['status', 'code', 'message'],
              properties: {
                status: { type: 'integer' },
                code: {
                  enum: [...FILE_REJECTIONS, 'invalid_file_name', 'too_many_files', 'invalid_request'],
                },
                message: { type: 'string' },
              },
            },
          },
        },
        UploadResults: {
          type: 'object',
          required: ['results'],
          properties: {
            results: { type: 'array', items: ref('FileOutcome'), description: 'One per part, in order' },
          },
        },
        Passage: {
          type: 'object',
          required: ['document', 'chunkId', 'start', 'end', 'page', 'headingPath', 'content'],
          properties: {
            document: ref('DocumentDetail'),
            chunkId: { type: 'string', format: 'uuid' },
            start: {
              type: ['integer', 'null'],
              description:
                'Where the passage starts in document.content (null for chunks stored before formats)',
            },
            end: { type: ['integer', 'null'] },
            page: { type: ['integer', 'null'] },
            headingPath: { type: ['array', 'null'], items: { type: 'string' } },
            content: { type: 'string' },
          },
        },
        DocumentSummary: {
          type: 'object',
          required: [
            'id',
            'title',
            'source',
            'metadata',
            'format',
            'fileSha256',
            'chunkCount',
            'createdAt',
            'updatedAt',
          ],
          properties: {
            id: { type: 'string', format: 'uuid' },
            title: { type: 'string' },
            source: { type: ['string', 'null'] },
            metadata: { type: 'object' },
            format: { enum: [...DOCUMENT_FORMATS] },
            fileSha256: {
              type: ['string', 'null'],
              description: 'SHA-256 of the uploaded file; null for JSON and text uploads',
            },
            chunkCount: { type: 'integer' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        DocumentDetail: {
          allOf: [
            ref('DocumentSummary'),
            {
              type: 'object',
              required: ['content', 'contentSha256'],
              properties: { content: { type: 'string' }, contentSha256: { type: 'string' } },
            },
          ],
        },
        DocumentPage: {
          type: 'object',
          required: ['items', 'total', 'limit', 'offset'],
          properties: {
            items: { type: 'array', items: ref('DocumentSummary') },
            total: { type: 'integer' },
            limit: { type: 'integer' },
            offset: { type: 'integer' },
          },
        },
        ConversationSummary: {
          type: 'object',
          required: ['id', 'title', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            title: { type: 'string' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time', description: 'Last answer or rename' },
          },
        },
        ConversationPage: {
          type: 'object',
          required: ['items', 'nextCursor'],
          properties: {
            items: { type: 'array', items: ref('ConversationSummary') },
            nextCursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page' },
          },
        },
        ConversationTitle: {
          type: 'object',
          additionalProperties: false,
          properties: { title: { type: 'string', minLength: 1, maxLength: MAX_CONVERSATION_TITLE_CHARS } },
        },
        Feedback: {
          type: 'object',
          additionalProperties: false,
          required: ['rating'],
          properties: {
            rating: { enum: ['up', 'down'] },
            comment: { type: ['string', 'null'], maxLength: MAX_FEEDBACK_COMMENT_CHARS },
          },
        },
        Message: {
          type: 'object',
          required: [
            'id',
            'question',
            'answer',
            'sources',
            'mode',
            'model',
            'timings',
            'createdAt',
            'feedback',
          ],
          properties: {
            id: { type: 'string', format: 'uuid' },
            question: { type: 'string' },
            answer: { type: 'string' },
            sources: { type: 'array', items: ref('Source'), description: 'As they were shown' },
            mode: { enum: ['local', 'bedrock'] },
            model: { type: 'string' },
            timings: ref('Timings'),
            createdAt: { type: 'string', format: 'date-time' },
            feedback: { oneOf: [ref('Feedback'), { type: 'null' }] },
          },
        },
        ConversationDetail: {
          allOf: [
            ref('ConversationSummary'),
            {
              type: 'object',
              required: ['messages'],
              properties: { messages: { type: 'array', items: ref('Message') } },
            },
          ],
        },
        FeedbackRecord: {
          type: 'object',
          description: 'One line of the export; the copy of the answer outlives its conversation.',
          required: [
            'id',
            'messageId',
            'owner',
            'rating',
            'comment',
            'question',
            'answer',
            'sources',
            'model',
            'createdAt',
            'updatedAt',
          ],
          properties: {
            id: { type: 'string', format: 'uuid' },
            messageId: { type: ['string', 'null'], format: 'uuid' },
            owner: { type: 'string', description: 'The identity subject who rated' },
            rating: { enum: ['up', 'down'] },
            comment: { type: ['string', 'null'] },
            question: { type: 'string' },
            answer: { type: 'string' },
            sources: { type: 'array', items: ref('Source') },
            model: { type: 'string' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        Me: {
          type: 'object',
          required: ['signIn', 'subject', 'groups', 'admin'],
          properties: {
            signIn: { enum: ['off', 'alb'] },
            subject: { type: 'string', description: "The token's sub; local, anonymous or automation" },
            email: { type: 'string' },
            groups: { type: 'array', items: { type: 'string' } },
            admin: { type: 'boolean', description: 'May manage documents' },
          },
        },
        Stats: {
          type: 'object',
          required: ['documents', 'chunks', 'embeddingModel', 'generationModel', 'mode'],
          properties: {
            documents: { type: 'integer' },
            chunks: { type: 'integer' },
            embeddingModel: { type: 'string' },
            generationModel: { type: 'string' },
            mode: { enum: ['local', 'bedrock'] },
          },
        },
      },
    },
    security: [{ albSignIn: [] }, { adminToken: [] }],
    paths: {
      '/health': {
        get: {
          summary: 'Liveness: the process serves HTTP (does not touch the database)',
          security: [],
          responses: { 200: { description: 'Alive', content: json(statusSchema('ok')) } },
        },
      },
      '/ready': {
        get: {
          summary: 'Readiness: the database answers and migrations are applied',
          security: [],
          responses: {
            200: { description: 'Ready', content: json(statusSchema('ready')) },
            503: { ...errorResponse('Not ready, or shutting down'), headers: retryAfter },
            504: timedOut,
          },
        },
      },
      '/api/query': {
        post: {
          summary: 'Answer a question from the indexed documents, with cited sources',
          requestBody: { required: true, content: json(ref('QueryRequest')) },
          responses: {
            200: {
              description: 'The answer',
              content: {
                ...json(ref('QueryResponse')),
                'text/event-stream': { schema: { type: 'string' }, description: SSE_DESCRIPTION },
              },
            },
            400: errorResponse('Invalid JSON or an invalid field'),
            404: errorResponse('No such conversation (conversationId)'),
            409: errorResponse('The conversation holds the most answers it may (conversation_full)'),
            413: errorResponse('Body too large'),
            401: errorResponse('Sign-in is on and the request has no valid sign-in token'),
            415: errorResponse('Content-Type is not application/json'),
            422: errorResponse('The content filter (guardrail) blocked the question or the answer'),
            429: {
              ...errorResponse('The daily query or generated-token limit is reached (daily_limit_reached)'),
              headers: retryAfter,
            },
            502: errorResponse('The model provider failed'),
            503: {
              ...errorResponse('The model provider or the database is unavailable'),
              headers: retryAfter,
            },
            504: timedOut,
          },
        },
      },
      '/api/documents': {
        get: {
          summary: 'List documents, newest first',
          parameters: [
            pageParameter('limit', PAGE_LIMIT_RANGE.min, PAGE_LIMIT_RANGE.max, PAGE_LIMIT_RANGE.default),
            pageParameter('offset', 0, undefined, 0),
            {
              name: 'search',
              in: 'query',
              schema: { type: 'string', maxLength: MAX_SEARCH_CHARS },
              description: 'Only documents whose title or source contains this, ignoring case',
            },
          ],
          responses: {
            200: { description: 'One page', content: json(ref('DocumentPage')) },
            400: errorResponse('Invalid paging'),
            504: timedOut,
          },
        },
        post: {
          summary:
            'Add documents (admin): JSON, a text/Markdown body, or files as multipart/form-data. Identical content is a no-op; the same source replaces it.',
          parameters: [
            {
              name: 'title',
              in: 'query',
              schema: { type: 'string' },
              description: 'Required for text bodies',
            },
            { name: 'source', in: 'query', schema: { type: 'string' }, description: 'Text bodies only' },
          ],
          requestBody: {
            required: true,
            content: {
              ...json(ref('DocumentInput')),
              'text/plain': { schema: { type: 'string' } },
              'text/markdown': { schema: { type: 'string' } },
              'multipart/form-data': { schema: ref('FileUpload') },
            },
          },
          responses: {
            200: {
              description:
                'Unchanged: the same content is already stored. For multipart: every file was stored, replaced or unchanged.',
              content: json({ oneOf: [ref('IngestResult'), ref('UploadResults')] }),
            },
            207: {
              description: 'Multipart: some files were rejected and others stored (see each result)',
              content: json(ref('UploadResults')),
            },
            422: errorResponse(
              'Multipart: every file was rejected for its content (encrypted or scanned PDF, damaged file). When every file of a multipart upload is rejected, the 4xx body carries `results` (FileOutcome[]) beside `error`.',
            ),
            201: { description: 'Created or replaced', content: json(ref('IngestResult')) },
            400: errorResponse('Invalid JSON or an invalid field'),
            401: errorResponse('Nobody signed in and no admin token'),
            403: errorResponse('Signed in, but not in the admin group'),
            413: errorResponse(
              'Body, document or file too large, a DOCX that inflates too far, or too many files',
            ),
            415: errorResponse('Unsupported Content-Type, or (multipart) a file type that is not read'),
            502: errorResponse('The embedding provider failed'),
            503: {
              ...errorResponse('The embedding provider is throttling or unavailable'),
              headers: retryAfter,
            },
            504: errorResponse('The upload ran out of time (INGEST_TIMEOUT_MS)'),
          },
        },
      },
      '/api/documents/{id}': {
        get: {
          summary: 'One document with its content (admin)',
          parameters: [documentId],
          responses: {
            200: { description: 'The document', content: json(ref('DocumentDetail')) },
            400: errorResponse('The id is not a UUID'),
            401: errorResponse('Nobody signed in and no admin token'),
            403: errorResponse('Signed in, but not in the admin group'),
            404: errorResponse('No such document'),
            504: timedOut,
          },
        },
        delete: {
          summary: 'Delete a document and its chunks (admin)',
          parameters: [documentId],
          responses: {
            204: { description: 'Deleted' },
            400: errorResponse('The id is not a UUID'),
            401: errorResponse('Nobody signed in and no admin token'),
            403: errorResponse('Signed in, but not in the admin group'),
            404: errorResponse('No such document'),
            504: timedOut,
          },
        },
      },
      '/api/conversations': {
        get: {
          summary: "The caller's conversations, most recently active first",
          parameters: [
            pageParameter(
              'limit',
              CONVERSATION_PAGE_RANGE.min,
              CONVERSATION_PAGE_RANGE.max,
              CONVERSATION_PAGE_RANGE.default,
            ),
            {
              name: 'cursor',
              in: 'query',
              schema: { type: 'string' },
              description: 'nextCursor of the previous page',
            },
          ],
          responses: {
            200: { description: 'One page', content: json(ref('ConversationPage')) },
            400: errorResponse('Invalid limit or cursor'),
            504: timedOut,
          },
        },
        post: {
          summary: 'Start a conversation (title defaults to "New chat")',
          requestBody: { required: true, content: json(ref('ConversationTitle')) },
          responses: {
            201: { description: 'Created', content: json(ref('ConversationSummary')) },
            400: errorResponse('Invalid JSON or an invalid field'),
            415: errorResponse('Content-Type is not application/json'),
            504: timedOut,
          },
        },
        delete: {
          summary: "Delete all of the caller's conversations",
          responses: {
            200: {
              description: 'How many were deleted',
              content: json({
                type: 'object',
                required: ['deleted'],
                properties: { deleted: { type: 'integer' } },
              }),
            },
            504: timedOut,
          },
        },
      },
      '/api/conversations/{id}': {
        get: {
          summary: 'One conversation with its messages, oldest first',
          description: ownerNote,
          parameters: [conversationId],
          responses: {
            200: { description: 'The conversation', content: json(ref('ConversationDetail')) },
            400: errorResponse('The id is not a UUID'),
            404: errorResponse('No such conversation'),
            504: timedOut,
          },
        },
        patch: {
          summary: 'Rename a conversation',
          description: ownerNote,
          parameters: [conversationId],
          requestBody: {
            required: true,
            content: json({ allOf: [ref('ConversationTitle'), { required: ['title'] }] }),
          },
          responses: {
            200: { description: 'Renamed', content: json(ref('ConversationSummary')) },
            400: errorResponse('Invalid id, JSON or title'),
            404: errorResponse('No such conversation'),
            415: errorResponse('Content-Type is not application/json'),
            504: timedOut,
          },
        },
        delete: {
          summary: 'Delete a conversation and its messages',
          description: ownerNote,
          parameters: [conversationId],
          responses: {
            204: { description: 'Deleted' },
            400: errorResponse('The id is not a UUID'),
            404: errorResponse('No such conversation'),
            504: timedOut,
          },
        },
      },
      '/api/conversations/{id}/messages/{messageId}/feedback': {
        put: {
          summary: 'Rate a stored answer (thumbs up or down, optional comment); the newest rating wins',
          description: ownerNote,
          parameters: [conversationId, uuidPath('messageId')],
          requestBody: { required: true, content: json(ref('Feedback')) },
          responses: {
            200: { description: 'Saved', content: json(ref('Feedback')) },
            400: errorResponse('Invalid id, JSON or field'),
            404: errorResponse("No such message in the caller's conversation"),
            415: errorResponse('Content-Type is not application/json'),
            504: timedOut,
          },
        },
      },
      '/api/feedback/export': {
        get: {
          summary: 'Every feedback record as JSON Lines, oldest change first (admin), streamed',
          security: [{ adminToken: [] }],
          responses: {
            200: {
              description: 'One FeedbackRecord per line',
              content: { 'application/x-ndjson': { schema: ref('FeedbackRecord') } },
            },
            401: errorResponse('Not signed in'),
            403: errorResponse('Not an administrator'),
          },
        },
      },
      '/api/me': {
        get: {
          summary: 'Who is calling, and whether sign-in is on',
          responses: { 200: { description: 'The caller', content: json(ref('Me')) } },
        },
      },
      '/api/documents/{id}/passages/{chunkId}': {
        get: {
          summary: 'A cited passage in its document: the chunk, where it sits, and the whole content',
          parameters: [documentId, { ...documentId, name: 'chunkId' }],
          responses: {
            200: { description: 'The passage', content: json(ref('Passage')) },
            400: errorResponse('An id is not a UUID'),
            404: errorResponse('No such chunk in that document'),
            504: timedOut,
          },
        },
      },
      '/api/stats': {
        get: {
          summary: 'Corpus size, models and provider mode',
          responses: { 200: { description: 'Statistics', content: json(ref('Stats')) }, 504: timedOut },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
        },
      },
    },
  };
}

function statusSchema(status: string) {
  return { type: 'object', required: ['status'], properties: { status: { const: status } } };
}

function pageParameter(name: string, minimum: number, maximum: number | undefined, fallback: number) {
  return {
    name,
    in: 'query',
    schema: { type: 'integer', minimum, ...(maximum === undefined ? {} : { maximum }), default: fallback },
  };
}
