import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { LOCK_NAMES, lockForTransaction } from '../db/advisory-lock';
import type { Database } from '../db/database';
import { toVectorParameter } from '../db/vector-parameter';
import type { Embedder } from '../rag/types';
import { chunkDocument, type DocumentChunk } from './chunk-document';
import type { ChunkOptions } from './chunker';
import { type DocumentInput, type ValidDocument, validateDocumentInput } from './document-input';
import { mapWithConcurrency } from './map-with-concurrency';

export interface IngestOptions {
  /** Embedding calls in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Chunks per INSERT statement. @default 200 */
  readonly batchSize?: number;
  readonly chunking?: ChunkOptions;
  readonly signal?: AbortSignal;
}

export type IngestStatus = 'created' | 'unchanged' | 'replaced';

export interface IngestResult {
  readonly documentId: string;
  readonly status: IngestStatus;
  readonly chunkCount: number;
}

/** A document with its chunks embedded, ready to be written in one transaction. */
export interface PreparedDocument extends ValidDocument {
  readonly contentSha256: string;
  /** Each chunk's embedding is already a checked `vector` parameter (see toVectorParameter). */
  readonly chunks: readonly (Omit<DocumentChunk, 'embeddingText'> & { readonly embedding: Buffer })[];
}

export const DEFAULT_EMBEDDING_CONCURRENCY = 16;
export const DEFAULT_INSERT_BATCH_SIZE = 200;

/**
 * Stores a document and its embedded chunks.
 *
 * - Content already stored (same SHA-256) is a no-op returning the stored id, decided before any
 *   embedding is computed.
 * - A document whose `source` is already stored replaces that document's content and chunks and keeps
 *   its id.
 * - Embeddings are computed before the transaction opens (no connection is held while a provider is
 *   slow); the document and all its chunks are then written in one transaction, so a failure at any
 *   point leaves nothing behind.
 * - Instances ingesting the same content or source at once queue on advisory locks, and the later
 *   one sees the earlier one's result: one copy, never a duplicate.
 */
export async function ingestDocument(
  db: Database,
  embedder: Embedder,
  input: DocumentInput,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const document = validateDocumentInput(input);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? DEFAULT_INSERT_BATCH_SIZE);
  const contentSha256 = sha256(document.content);
  const stored = await findByContent(db.knex, contentSha256);
  if (stored !== undefined) return stored;
  const prepared = await prepareDocument(embedder, document, contentSha256, options);
  return db.knex.transaction((trx) => writeDocument(trx, prepared, batchSize));
}

/** Chunks and embeds a validated document; touches no database. */
export async function prepareDocument(
  embedder: Embedder,
  document: ValidDocument,
  contentSha256: string,
  options: Pick<IngestOptions, 'concurrency' | 'chunking' | 'signal'> = {},
): Promise<PreparedDocument> {
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_EMBEDDING_CONCURRENCY);
  const chunks = chunkDocument(document.content, document.sections, options.chunking);
  const embeddings = await mapWithConcurrency(
    chunks,
    concurrency,
    async (chunk, index, signal) =>
      toVectorParameter(await embedder.embed(chunk.embeddingText, signal), embedder.model, `chunk ${index}`),
    options.signal,
  );
  return {
    ...document,
    contentSha256,
    chunks: chunks.map(({ embeddingText: _embedded, ...chunk }, index) => ({
      ...chunk,
      embedding: embeddings[index]!,
    })),
  };
}

/** Writes a prepared document inside `trx`; the caller owns the transaction. */
export async function writeDocument(
  trx: Knex.Transaction,
  document: PreparedDocument,
  batchSize: number = DEFAULT_INSERT_BATCH_SIZE,
): Promise<IngestResult> {
  // Always content first, then source: a fixed order means two writers can never deadlock.
  await lockForTransaction(trx, LOCK_NAMES.documentContent(document.contentSha256));
  if (document.source !== undefined)
    await lockForTransaction(trx, LOCK_NAMES.documentSource(document.source));

  const stored = await findByContent(trx, document.contentSha256);
  if (stored !== undefined) return stored;

  const fields = {
    title: document.title,
    content: document.content,
    content_sha256: document.contentSha256,
    metadata: JSON.stringify(document.metadata),
    format: document.format,
    file_sha256: document.fileSha256 ?? null,
  };
  const previous =
    document.source === undefined
      ? undefined
      : await trx('documents').where({ source: document.source }).first<{ id: string } | undefined>('id');

  let documentId: string;
  if (previous === undefined) {
    const [row] = await trx('documents')
      .insert({ ...fields, source: document.source ?? null })
      .returning<{ id: string }[]>('id');
    documentId = row!.id;
  } else {
    documentId = previous.id;
    await trx('documents')
      .where({ id: documentId })
      .update({ ...fields, updated_at: trx.fn.now() });
    await trx('chunks').where({ document_id: documentId }).delete();
  }

  for (let start = 0; start < document.chunks.length; start += batchSize) {
    const rows = document.chunks.slice(start, start + batchSize).map((chunk, offset) => ({
      document_id: documentId,
      ordinal: start + offset,
      content: chunk.content,
      embedding: chunk.embedding,
      start_offset: chunk.start,
      end_offset: chunk.end,
      page: chunk.page ?? null,
      heading_path: chunk.headingPath === undefined ? null : JSON.stringify(chunk.headingPath),
    }));
    await trx('chunks').insert(rows);
  }
  return {
    documentId,
    status: previous === undefined ? 'created' : 'replaced',
    chunkCount: document.chunks.length,
  };
}

export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

async function findByContent(knex: Knex, contentSha256: string): Promise<IngestResult | undefined> {
  const row = await knex('documents as d')
    .where('d.content_sha256', contentSha256)
    .first<{ id: string; chunk_count: number } | undefined>(
      'd.id',
      knex.raw('(select count(*)::int from chunks c where c.document_id = d.id) as chunk_count'),
    );
  return row === undefined
    ? undefined
    : { documentId: row.id, status: 'unchanged', chunkCount: row.chunk_count };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
