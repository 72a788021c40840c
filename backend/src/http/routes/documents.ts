import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Config } from '../../config';
import type { Database } from '../../db/database';
import { AppError } from '../../errors';
import { deleteDocument, getDocument, getPassage, listDocuments } from '../../ingest/document-store';
import { declaredFormat } from '../../ingest/formats/detect-format';
import { rejectFile } from '../../ingest/formats/extracted-document';
import { extractMarkdown } from '../../ingest/formats/markdown';
import { ingestDocument } from '../../ingest/ingest-document';
import { type FileOutcome, ingestFile } from '../../ingest/ingest-file';
import type { Embedder } from '../../pipeline/types';
import type { ErrorCode } from '../../service-kit/error-codes';
import type { ApiResponse } from '../api-schema';
import { readBody } from '../body';
import { requireAdmin } from '../identity';
import { type FileBody, forEachUploadPart, type UploadPart } from '../multipart';
import { requestSignal } from '../request-signal';
import type { AppContext, AppState } from '../state';
import {
  parseDocumentId,
  parseDocumentJson,
  parseDocumentText,
  parsePaging,
  parseUploadFileName,
  refuseQueryParams,
} from '../validate';

export interface DocumentsDeps {
  readonly config: Pick<Config, 'limits' | 'server'>;
  readonly db: Database;
  readonly embedder: Embedder;
  /** Bounds the plain database routes; uploads have their own cancellable budget. */
  readonly bounded: Middleware<AppState>;
}

export function registerDocumentRoutes(router: Router<AppState>, deps: DocumentsDeps): void {
  const admin = requireAdmin();
  const { limits } = deps.config;

  router.post('/api/documents', admin, async (ctx) => {
    if (ctx.request.is('multipart/form-data')) return uploadFiles(ctx, deps);
    const body = await readBody(ctx, ['json', 'text'], limits.maxBodyBytes);
    const parsed =
      body.kind === 'json'
        ? parseDocumentJson(body.json, limits)
        : parseDocumentText(body.text, ctx.query, limits);
    if (body.kind === 'json') refuseQueryParams(ctx.query);
    // A Markdown body gets heading paths, as a Markdown file does.
    const input =
      ctx.request.type === 'text/markdown'
        ? { ...parsed, format: 'markdown' as const, sections: extractMarkdown(parsed.content).sections }
        : parsed;
    const { signal, dispose } = requestSignal(ctx, deps.config.server.ingestTimeoutMs);
    try {
      const result = await ingestDocument(deps.db, deps.embedder, input, { signal });
      ctx.state.log.info('document ingested', {
        documentId: result.documentId,
        status: result.status,
        chunks: result.chunkCount,
      });
      ctx.status = result.status === 'unchanged' ? 200 : 201;
      ctx.body = {
        id: result.documentId,
        status: result.status,
        chunks: result.chunkCount,
      } satisfies ApiResponse<'IngestResult'>;
    } finally {
      dispose();
    }
  });

  router.get('/api/documents', deps.bounded, async (ctx) => {
    const paging = parsePaging(ctx.query);
    const page = await listDocuments(deps.db, paging);
    ctx.body = {
      items: page.items,
      total: page.total,
      limit: paging.limit,
      offset: paging.offset,
    } satisfies ApiResponse<'DocumentPage'>;
  });

  router.get('/api/documents/:id', admin, deps.bounded, async (ctx) => {
    const id = parseDocumentId(ctx.params.id);
    const document = await getDocument(deps.db, id);
    if (document === undefined) throw notFound(id);
    ctx.body = document satisfies ApiResponse<'DocumentDetail'>;
  });

  router.get('/api/documents/:id/passages/:chunkId', deps.bounded, async (ctx) => {
    const id = parseDocumentId(ctx.params.id);
    const chunkId = parseDocumentId(ctx.params.chunkId);
    const passage = await getPassage(deps.db, id, chunkId);
    if (passage === undefined)
      throw new AppError(404, 'not_found', `No passage ${chunkId} in document ${id}`);
    ctx.body = passage satisfies ApiResponse<'Passage'>;
  });

  router.delete('/api/documents/:id', admin, deps.bounded, async (ctx) => {
    const id = parseDocumentId(ctx.params.id);
    if (!(await deleteDocument(deps.db, id))) throw notFound(id);
    ctx.state.log.info('document deleted', { documentId: id });
    ctx.status = 204;
  });
}

/**
 * A multipart upload: each file is read, extracted and stored before the next is taken off the
 * socket, and answers with one outcome per part. 200 when nothing was refused; when something was,
 * 207 if other files went in, else the refusal's own status (a single bad file is a plain 4xx).
 */
async function uploadFiles(ctx: AppContext, deps: DocumentsDeps): Promise<void> {
  refuseQueryParams(ctx.query);
  const { limits } = deps.config;
  const { signal, dispose } = requestSignal(ctx, deps.config.server.ingestTimeoutMs);
  try {
    const outcomes = await forEachUploadPart(
      ctx,
      { maxFileBytes: limits.maxUploadFileBytes, maxFiles: limits.maxUploadFiles },
      (part) => storePart(part, deps, signal),
    );
    if (outcomes.length === 0) throw new AppError(400, 'invalid_multipart', 'The upload has no files');
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected')
        ctx.state.log.info('file rejected', { file: outcome.file, code: outcome.error.code });
      else
        ctx.state.log.info('file ingested', {
          file: outcome.file,
          status: outcome.status,
          documentId: outcome.id,
        });
    }
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    const first = rejected[0];
    if (first === undefined) {
      ctx.status = 200;
      ctx.body = { results: outcomes } satisfies ApiResponse<'UploadResults'>;
    } else if (rejected.length < outcomes.length) {
      ctx.status = 207;
      ctx.body = { results: outcomes };
    } else {
      ctx.status = first.error.status;
      ctx.body = { error: { code: first.error.code, message: first.error.message }, results: outcomes };
    }
  } finally {
    dispose();
  }
}

async function storePart(part: UploadPart, deps: DocumentsDeps, signal: AbortSignal): Promise<FileOutcome> {
  const refuse = (file: string, status: number, code: ErrorCode, message: string): FileOutcome => ({
    file,
    status: 'rejected',
    error: { status, code, message },
  });
  if (part.kind === 'too_many_files') {
    const max = deps.config.limits.maxUploadFiles;
    return refuse(
      '(more files)',
      413,
      'too_many_files',
      `At most ${max} files per upload; the rest were not read`,
    );
  }
  if (part.kind === 'field') {
    return refuse(
      part.name,
      400,
      'invalid_request',
      `Form field "${part.name}" is not accepted; send only files`,
    );
  }
  const { limits } = deps.config;
  let name: string;
  let body: FileBody;
  try {
    // A bad name or a type we do not read is refused before any of the file is read.
    name = parseUploadFileName(part.name);
    declaredFormat(name, part.mediaType);
    body = await part.read();
    if (body.tooLarge) {
      throw rejectFile(name, 'file_too_large', `the file is larger than ${limits.maxUploadFileBytes} bytes`);
    }
  } catch (error) {
    if (error instanceof AppError) return refuse(part.name, error.status, error.code, error.message);
    throw error;
  }
  return ingestFile(
    deps.db,
    deps.embedder,
    { name, mediaType: part.mediaType, bytes: body.bytes },
    {
      limits: { maxFileBytes: limits.maxUploadFileBytes, maxDocumentChars: limits.maxDocumentChars },
      signal,
    },
  );
}

function notFound(id: string): AppError {
  return new AppError(404, 'not_found', `No document with id ${id}`);
}
