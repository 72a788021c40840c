import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Config } from '../../config';
import type { Database } from '../../db/database';
import { AppError } from '../../errors';
import { deleteDocument, getDocument, listDocuments } from '../../ingest/documents';
import { ingestDocument } from '../../ingest/ingest-document';
import type { Embedder } from '../../rag/types';
import { readBody } from '../body';
import { requireAdmin } from '../identity';
import { requestSignal } from '../request-signal';
import type { AppState } from '../state';
import { parseDocumentId, parseDocumentJson, parseDocumentText, parsePaging, queryParams } from '../validate';

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
    const body = await readBody(ctx, ['json', 'text'], limits.maxBodyBytes);
    const input =
      body.kind === 'json'
        ? parseDocumentJson(body.json, limits)
        : parseDocumentText(body.text, ctx.query, limits);
    if (body.kind === 'json') queryParams(ctx.query, []);
    const { signal, dispose } = requestSignal(ctx, deps.config.server.ingestTimeoutMs);
    try {
      const result = await ingestDocument(deps.db, deps.embedder, input, { signal });
      ctx.state.log.info('document ingested', {
        documentId: result.documentId,
        status: result.status,
        chunks: result.chunkCount,
      });
      ctx.status = result.status === 'unchanged' ? 200 : 201;
      ctx.body = { id: result.documentId, status: result.status, chunks: result.chunkCount };
    } finally {
      dispose();
    }
  });

  router.get('/api/documents', deps.bounded, async (ctx) => {
    const paging = parsePaging(ctx.query);
    const page = await listDocuments(deps.db, paging);
    ctx.body = { items: page.items, total: page.total, limit: paging.limit, offset: paging.offset };
  });

  router.get('/api/documents/:id', admin, deps.bounded, async (ctx) => {
    const id = parseDocumentId(ctx.params.id);
    const document = await getDocument(deps.db, id);
    if (document === undefined) throw notFound(id);
    ctx.body = document;
  });

  router.delete('/api/documents/:id', admin, deps.bounded, async (ctx) => {
    const id = parseDocumentId(ctx.params.id);
    if (!(await deleteDocument(deps.db, id))) throw notFound(id);
    ctx.state.log.info('document deleted', { documentId: id });
    ctx.status = 204;
  });
}

function notFound(id: string): AppError {
  return new AppError(404, 'not_found', `No document with id ${id}`);
}
