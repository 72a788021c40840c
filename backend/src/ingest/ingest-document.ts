import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { LOCK_NAMES, lockForTransaction } from '../db/advisory-lock';
import type { Database } from '../db/database';
import type { Embedder } from '../pipeline/types';
import { chunkDocument } from './chunk-document';
import type { ChunkOptions } from './chunker';
import { type DocumentInput, type ValidDocument, validateDocumentInput } from './document-input';
import { type ChunkEmbedding, type EmbeddedChunk, startEmbedding } from './embed-chunks';

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
  readonly chunks: readonly EmbeddedChunk[];
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
 * - Embedding and writing overlap: the chunks are embedded in order, and once the first batch is
 *   embedded the transaction opens and stores each batch as soon as it is complete, while the later
 *   ones are still being embedded. No connection is held while the first batch embeds (for a
 *   document of one batch, while any of it embeds); afterwards the transaction waits for the embedder
 *   only when writing has caught up with it.
 * - The document and all its chunks are written in that one transaction, so a failure at any point
 *   (an embedding call midway, an invalid vector, the database) rolls everything back, stops the
 *   embedding calls still in flight and rejects with that failure: nothing half-stored.
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
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_EMBEDDING_CONCURRENCY);
  const contentSha256 = sha256(document.content);
  const stored = await findByContent(db.knex, contentSha256);
  if (stored !== undefined) return stored;

  const chunks = chunkDocument(document.content, document.sections, options.chunking);
  const embedding = startEmbedding(embedder, chunks, { concurrency, batchSize, signal: options.signal });
  try {
    if (embedding.batchCount > 0) await embedding.batch(0);
    return await db.knex.transaction((trx) =>
      storeDocument(trx, { ...document, contentSha256 }, chunks.length, embeddedBatches(embedding)),
    );
  } finally {
    // Whatever ended the write (done, unchanged after all, failed): no call keeps running for it.
    embedding.stop(new Error('the document write ended'));
  }
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
  const embedding = startEmbedding(embedder, chunks, {
    concurrency,
    batchSize: Math.max(chunks.length, 1),
    signal: options.signal,
  });
  return { ...document, contentSha256, chunks: embedding.batchCount === 0 ? [] : await embedding.batch(0) };
}

/** Writes a prepared document inside `trx`; the caller owns the transaction. */
export async function writeDocument(
  trx: Knex.Transaction,
  document: PreparedDocument,
  batchSize: number = DEFAULT_INSERT_BATCH_SIZE,
): Promise<IngestResult> {
  return storeDocument(trx, document, document.chunks.length, preparedBatches(document.chunks, batchSize));
}

type DocumentToStore = ValidDocument & { readonly contentSha256: string };

/**
 * The one write path: locks, the duplicate re-check, the document row, then each batch of chunks as
 * `batches` yields it (one multi-row INSERT per batch, binary vector parameters).
 */
async function storeDocument(
  trx: Knex.Transaction,
  document: DocumentToStore,
  chunkCount: number,
  batches: AsyncIterable<readonly EmbeddedChunk[]>,
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

  let ordinal = 0;
  for await (const batch of batches) {
    const rows = batch.map((chunk) => ({
      document_id: documentId,
      ordinal: ordinal++,
      content: chunk.content,
      embedding: chunk.embedding,
      start_offset: chunk.start,
      end_offset: chunk.end,
      page: chunk.page ?? null,
      heading_path: chunk.headingPath === undefined ? null : JSON.stringify(chunk.headingPath),
    }));
    await trx('chunks').insert(rows);
  }
  return { documentId, status: previous === undefined ? 'created' : 'replaced', chunkCount };
}

async function* embeddedBatches(embedding: ChunkEmbedding): AsyncGenerator<readonly EmbeddedChunk[]> {
  for (let index = 0; index < embedding.batchCount; index++) yield await embedding.batch(index);
}

async function* preparedBatches(
  chunks: readonly EmbeddedChunk[],
  batchSize: number,
): AsyncGenerator<readonly EmbeddedChunk[]> {
  for (let start = 0; start < chunks.length; start += batchSize) yield chunks.slice(start, start + batchSize);
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
