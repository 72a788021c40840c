import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { type ApiLimits, apiSchemas } from './api-schema';

/**
 * Where the document is served: under /api/, which the load balancer routes to the backend and
 * the local frontend proxies, so it is reachable wherever the API is.
 */
export const OPENAPI_PATH = '/api/openapi.json';

const SSE_DESCRIPTION = [
  'Sent when the request has `Accept: text/event-stream`. Events, in order:',
  '`sources` (`{"sources":[Source],"mode":"local|bedrock","model":"..."}`, source i is cited as [i+1]),',
  'then any number of `token` (`{"text":"..."}`), then exactly one of `done`',
  '(`{"answer":"...","timings":Timings,"messageId":"uuid|null"}`) or `error` (`{"error":{"code","message","retryAfterSeconds?"}}`).',
].join(' ');

const OWNER_NOTE = "Only the caller's own conversations exist for the caller: any other id is 404.";

/** The OpenAPI 3.1 description of the HTTP API, generated from the schemas in api-schema.ts. */
export function openApiDocument(limits: ApiLimits) {
  const schemas = apiSchemas(limits);
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The ADMIN_TOKEN (automation only)',
  });
  registry.registerComponent('securitySchemes', 'albSignIn', {
    type: 'apiKey',
    in: 'header',
    name: 'x-amzn-oidc-data',
    description:
      'With SIGNIN_MODE=alb: the token the load balancer adds after sign-in (ES256, signed by this ALB)',
  });

  const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
  const ok = (description: string, schema: z.ZodType): ResponseConfig => ({
    description,
    content: json(schema),
  });
  const error = (description: string, schema: z.ZodType = schemas.ErrorBody): ResponseConfig => ({
    description,
    content: json(schema),
  });
  const retrying = (description: string): ResponseConfig => ({
    ...error(description),
    headers: z.object({
      'Retry-After': z.string().optional().openapi({ description: 'Seconds to wait before retrying' }),
    }),
  });
  const timedOut = error('The request ran out of time (REQUEST_TIMEOUT_MS)');
  const unauthorized = error('Sign-in is on and the request has no valid sign-in token');
  const notAdmin = error('Signed in, but not in the admin group');
  const databaseDown = retrying('The database is unavailable');

  /** Every /api route may answer these: sign-in, a lost database, an unexpected failure. */
  const route = (config: RouteConfig, common = true) =>
    registry.registerPath({
      ...config,
      responses: common
        ? { 401: unauthorized, 500: error('Unexpected failure'), 503: databaseDown, ...config.responses }
        : config.responses,
    });

  route(
    {
      method: 'get',
      path: '/health',
      summary: 'Liveness: the process serves HTTP (does not touch the database)',
      security: [],
      responses: { 200: ok('Alive', schemas.Alive) },
    },
    false,
  );
  route(
    {
      method: 'get',
      path: '/ready',
      summary: 'Readiness: the database answers and migrations are applied',
      security: [],
      responses: {
        200: ok('Ready', schemas.Ready),
        503: retrying('Not ready, or shutting down'),
        504: timedOut,
      },
    },
    false,
  );

  route({
    method: 'post',
    path: '/api/query',
    summary: 'Answer a question from the indexed documents, with cited sources',
    request: { body: { required: true, content: json(schemas.QueryRequest) } },
    responses: {
      200: {
        description: 'The answer',
        content: {
          ...json(schemas.QueryResponse),
          'text/event-stream': { schema: z.string().openapi({ description: SSE_DESCRIPTION }) },
        },
      },
      400: error('Invalid JSON or an invalid field'),
      404: error('No such conversation (conversationId)'),
      409: error('The conversation holds the most answers it may (conversation_full)'),
      413: error('Body too large'),
      415: error('Content-Type is not application/json'),
      422: error('The content filter (guardrail) blocked the question or the answer'),
      429: retrying('The daily query or generated-token limit is reached (daily_limit_reached)'),
      502: error('The model provider failed'),
      503: retrying('The model provider or the database is unavailable'),
      504: timedOut,
    },
  });

  route({
    method: 'get',
    path: '/api/documents',
    summary: 'List documents, newest first',
    request: { query: schemas.DocumentListQuery },
    responses: {
      200: ok('One page', schemas.DocumentPage),
      400: error('Invalid paging'),
      504: timedOut,
    },
  });
  route({
    method: 'post',
    path: '/api/documents',
    summary:
      'Add documents (admin): JSON, a text/Markdown body, or files as multipart/form-data. Identical content is a no-op; the same source replaces it.',
    request: {
      query: schemas.TextDocumentQuery.partial(),
      body: {
        required: true,
        content: {
          ...json(schemas.DocumentInput),
          'text/plain': { schema: z.string() },
          'text/markdown': { schema: z.string() },
          'multipart/form-data': { schema: schemas.FileUpload },
        },
      },
    },
    responses: {
      200: {
        description:
          'Unchanged: the same content is already stored. For multipart: every file was stored, replaced or unchanged.',
        content: json(z.union([schemas.IngestResult, schemas.UploadResults])),
      },
      201: ok('Created or replaced', schemas.IngestResult),
      207: ok(
        'Multipart: some files were rejected and others stored (see each result)',
        schemas.UploadResults,
      ),
      400: error('Invalid JSON, field, file name or multipart body', schemas.UploadError),
      403: notAdmin,
      413: error(
        'Body, document or file too large, a DOCX that inflates too far, or too many files',
        schemas.UploadError,
      ),
      415: error(
        'Unsupported Content-Type, or (multipart) a file type that is not read',
        schemas.UploadError,
      ),
      422: error(
        'Multipart: every file was rejected for its content (encrypted or scanned PDF, damaged file); `results` has each outcome',
        schemas.UploadError,
      ),
      502: error('The embedding provider failed'),
      503: retrying('The embedding provider is throttling or unavailable'),
      504: error('The upload ran out of time (INGEST_TIMEOUT_MS)'),
    },
  });
  route({
    method: 'get',
    path: '/api/documents/{id}',
    summary: 'One document with its content (admin)',
    request: { params: schemas.DocumentIdParams },
    responses: {
      200: ok('The document', schemas.DocumentDetail),
      400: error('The id is not a UUID'),
      403: notAdmin,
      404: error('No such document'),
      504: timedOut,
    },
  });
  route({
    method: 'delete',
    path: '/api/documents/{id}',
    summary: 'Delete a document and its chunks (admin)',
    request: { params: schemas.DocumentIdParams },
    responses: {
      204: { description: 'Deleted' },
      400: error('The id is not a UUID'),
      403: notAdmin,
      404: error('No such document'),
      504: timedOut,
    },
  });
  route({
    method: 'get',
    path: '/api/documents/{id}/passages/{chunkId}',
    summary: 'A cited passage in its document: the chunk, where it sits, and the whole content',
    request: { params: schemas.PassageParams },
    responses: {
      200: ok('The passage', schemas.Passage),
      400: error('An id is not a UUID'),
      404: error('No such chunk in that document'),
      504: timedOut,
    },
  });

  route({
    method: 'get',
    path: '/api/conversations',
    summary: "The caller's conversations, most recently active first",
    request: { query: schemas.ConversationListQuery },
    responses: {
      200: ok('One page', schemas.ConversationPage),
      400: error('Invalid limit or cursor'),
      504: timedOut,
    },
  });
  route({
    method: 'post',
    path: '/api/conversations',
    summary: 'Start a conversation (title defaults to "New chat")',
    request: { body: { required: true, content: json(schemas.NewConversation) } },
    responses: {
      201: ok('Created', schemas.ConversationSummary),
      400: error('Invalid JSON or an invalid field'),
      413: error('Body too large'),
      415: error('Content-Type is not application/json'),
      504: timedOut,
    },
  });
  route({
    method: 'delete',
    path: '/api/conversations',
    summary: "Delete all of the caller's conversations",
    request: { query: schemas.NoQuery },
    responses: {
      200: ok('How many were deleted', schemas.Deleted),
      400: error('A query parameter'),
      504: timedOut,
    },
  });
  route({
    method: 'get',
    path: '/api/conversations/{id}',
    summary: 'One conversation with its messages, oldest first',
    description: OWNER_NOTE,
    request: { params: schemas.ConversationIdParams },
    responses: {
      200: ok('The conversation', schemas.ConversationDetail),
      400: error('The id is not a UUID'),
      404: error('No such conversation'),
      504: timedOut,
    },
  });
  route({
    method: 'patch',
    path: '/api/conversations/{id}',
    summary: 'Rename a conversation',
    description: OWNER_NOTE,
    request: {
      params: schemas.ConversationIdParams,
      body: { required: true, content: json(schemas.ConversationTitle) },
    },
    responses: {
      200: ok('Renamed', schemas.ConversationSummary),
      400: error('Invalid id, JSON or title'),
      404: error('No such conversation'),
      413: error('Body too large'),
      415: error('Content-Type is not application/json'),
      504: timedOut,
    },
  });
  route({
    method: 'delete',
    path: '/api/conversations/{id}',
    summary: 'Delete a conversation and its messages',
    description: OWNER_NOTE,
    request: { params: schemas.ConversationIdParams },
    responses: {
      204: { description: 'Deleted' },
      400: error('The id is not a UUID'),
      404: error('No such conversation'),
      504: timedOut,
    },
  });
  route({
    method: 'put',
    path: '/api/conversations/{id}/messages/{messageId}/feedback',
    summary: 'Rate a stored answer (thumbs up or down, optional comment); the newest rating wins',
    description: OWNER_NOTE,
    request: {
      params: schemas.MessageParams,
      body: { required: true, content: json(schemas.Feedback) },
    },
    responses: {
      200: ok('Saved', schemas.FeedbackView),
      400: error('Invalid id, JSON or field'),
      404: error("No such message in the caller's conversation"),
      413: error('Body too large'),
      415: error('Content-Type is not application/json'),
      504: timedOut,
    },
  });
  route({
    method: 'get',
    path: '/api/feedback/export',
    summary: 'Every feedback record as JSON Lines, oldest change first (admin), streamed',
    security: [{ adminToken: [] }],
    request: { query: schemas.NoQuery },
    responses: {
      200: {
        description: 'One FeedbackRecord per line',
        content: { 'application/x-ndjson': { schema: schemas.FeedbackRecord } },
      },
      400: error('A query parameter'),
      403: error('Not an administrator'),
    },
  });
  route({
    method: 'get',
    path: '/api/me',
    summary: 'Who is calling, and whether sign-in is on',
    responses: { 200: ok('The caller', schemas.Me) },
  });
  route({
    method: 'get',
    path: '/api/stats',
    summary: 'Corpus size, models and provider mode',
    responses: { 200: ok('Statistics', schemas.Stats), 504: timedOut },
  });
  route({
    method: 'get',
    path: OPENAPI_PATH,
    summary: 'This document',
    responses: { 200: ok('OpenAPI 3.1', z.record(z.string(), z.unknown())) },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'ragchat backend',
      version: '0.1.0',
      description: `Retrieval-augmented question answering over an indexed document corpus. Request bodies are limited to ${limits.maxBodyBytes} bytes; every error has the shape of the Error schema.`,
    },
    security: [{ albSignIn: [] }, { adminToken: [] }],
  });
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
