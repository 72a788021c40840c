import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { LOCK_NAMES, lockForTransaction, withSessionLocks } from '../db/advisory-lock';
import type { Database } from '../db/database';
import type { Embedder } from '../pipeline/types';
import { chunkDocument } from './chunk-document';
import type { ChunkOptions } from './chunker';
import {
  claimGeneration,
  type DocumentToStore,
  discardGeneration,
  findByContent,
  insertChunks,
  publishGeneration,
} from './document-generation';
import { type DocumentInput, type ValidDocument, validateDocumentInput } from './document-input';
import { type ChunkEmbedding, type EmbeddedChunk, startEmbedding } from './embed-chunks';
import { writeBatchSize } from './write-batch-size';

export interface IngestOptions {
  /** Embedding calls in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Chunks per INSERT statement at most; a document is cut into equal batches, the same number for every writer (writeBatchSize). @default 200 */
  readonly batchSize?: number;
  /**
   * Connections writing one document's batches at once, each batch one statement committing on its own; capped
   * by the pool (PGlite: 1). Every connection's backend maintains the HNSW index for its own rows, so
   * this spreads a document's index maintenance over the database's cores. @default 2
   */
  readonly writers?: number;
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
/** The database server's cores on the benchmarked tier (BENCHMARKS.md, ingest). */
export const DEFAULT_DOCUMENT_WRITERS = 2;

/**
 * Stores a document and its embedded chunks.
 *
 * - Content already stored (same SHA-256) is a no-op returning the stored id, decided before any
 *   embedding is computed.
 * - A document whose `source` is already stored replaces that document's content and chunks and keeps
 *   its id.
 * - Embedding and writing overlap: the chunks are embedded in order, and once the first batch is
 *   embedded up to `writers` connections store the batches as they complete, each batch committed
 *   on its own (one INSERT, no BEGIN / COMMIT), while the later ones are still being embedded.
 * - A document that is one batch (one writer, as on PGlite, and no more chunks than a batch) has
 *   nothing to overlap or spread: one transaction under transaction-level locks writes it all.
 * - Nobody sees the new version before all of it is written: its chunks are a new generation
 *   (migration 009) that one last transaction publishes together with the document's new content,
 *   removing the previous version's chunks. Until then readers see the previous version, or no
 *   document at all for a new one.
 * - A failure at any point (an embedding call midway, an invalid vector, the database, the caller's
 *   abort) stops the embedding calls still in flight, deletes the unpublished generation and rejects
 *   with that failure: the previous version stays as it was.
 * - Instances ingesting the same content or source at once queue on advisory locks held for the
 *   whole write, and the later one sees the earlier one's result: one copy, never a duplicate.
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
  const writers = Math.min(
    positiveInteger('writers', options.writers ?? DEFAULT_DOCUMENT_WRITERS),
    connectionLimit(db),
  );
  const toStore: DocumentToStore = { ...document, contentSha256: sha256(document.content) };
  const stored = await findByContent(db.knex, toStore.contentSha256);
  if (stored !== undefined) return stored;

  const chunks = chunkDocument(document.content, document.sections, options.chunking);
  const batchLength = writeBatchSize(chunks.length, writers, batchSize);
  const embedding = startEmbedding(embedder, chunks, {
    concurrency,
    batchSize: batchLength,
    signal: options.signal,
  });
  try {
    if (embedding.batchCount <= 1) {
      // About half the round trips of the claim / batch / publish transactions (BENCHMARKS.md).
      const embedded = embedding.batchCount === 0 ? [] : await embedding.batch(0);
      return await db.knex.transaction((trx) =>
        writeDocument(trx, { ...toStore, chunks: embedded }, batchLength),
      );
    }
    await embedding.batch(0);
    return await withSessionLocks(db.knex, documentLocks(toStore), async (connection) => {
      const inTransaction = <T>(step: (trx: Knex.Transaction) => Promise<T>) =>
        db.knex.transaction(step, { connection });
      const claimed = await inTransaction((trx) => claimGeneration(trx, toStore));
      if (!('generation' in claimed)) return claimed;
      try {
        await writeBatches(db.knex, connection, writers, embedding, (onConnection, index, batch) =>
          insertChunks(db.knex, claimed, index * batchLength, batch, onConnection),
        );
        await inTransaction((trx) => publishGeneration(trx, claimed, toStore));
      } catch (error) {
        // If even this fails, the next ingest of this content or source removes the leftovers.
        await inTransaction((trx) => discardGeneration(trx, claimed)).catch(() => {});
        throw error;
      }
      return {
        documentId: claimed.documentId,
        status: claimed.replacing ? 'replaced' : 'created',
        chunkCount: chunks.length,
      };
    });
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

/**
 * Writes a prepared document inside `trx` (the caller owns the transaction): the same generation
 * steps as ingestDocument, all in that one transaction, under transaction-level locks.
 */
export async function writeDocument(
  trx: Knex.Transaction,
  document: PreparedDocument,
  batchSize: number = DEFAULT_INSERT_BATCH_SIZE,
): Promise<IngestResult> {
  await lockForTransaction(trx, ...documentLocks(document));
  const claimed = await claimGeneration(trx, document);
  if (!('generation' in claimed)) return claimed;
  for (let start = 0; start < document.chunks.length; start += batchSize)
    await insertChunks(trx, claimed, start, document.chunks.slice(start, start + batchSize));
  await publishGeneration(trx, claimed, document);
  return {
    documentId: claimed.documentId,
    status: claimed.replacing ? 'replaced' : 'created',
    chunkCount: document.chunks.length,
  };
}

/** Always content first, then source: a fixed order means two writers can never deadlock. */
function documentLocks(document: DocumentToStore): string[] {
  return document.source === undefined
    ? [LOCK_NAMES.documentContent(document.contentSha256)]
    : [LOCK_NAMES.documentContent(document.contentSha256), LOCK_NAMES.documentSource(document.source)];
}

/** How many pooled connections one ingest may use at once. */
function connectionLimit(db: Database): number {
  if (db.kind === 'embedded') return 1;
  const poolMax: unknown = db.knex.client.config?.pool?.max;
  return typeof poolMax === 'number' && poolMax >= 1 ? poolMax : 1;
}

type WriteBatch = (connection: unknown, index: number, batch: readonly EmbeddedChunk[]) => Promise<void>;

/**
 * Writes every batch of `embedding`, each one statement committing on its own, from `lockConnection` and up
 * to `writers - 1` more pooled connections. Each writer takes the next batch not yet taken, so a
 * writer that gets no connection (the pool is busy) leaves all batches to the others; a pending
 * connection that arrives after the last batch was taken goes straight back. The first failure stops
 * the embedding, lets the batches being written finish, and is rethrown.
 */
async function writeBatches(
  knex: Knex,
  lockConnection: unknown,
  writers: number,
  embedding: ChunkEmbedding,
  write: WriteBatch,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  let noneLeft!: () => void;
  const allTaken = new Promise<undefined>((resolve) => {
    noneLeft = () => resolve(undefined);
  });
  const take = (): number | undefined => {
    const index = failure === undefined && next < embedding.batchCount ? next++ : undefined;
    if (next >= embedding.batchCount || failure !== undefined) noneLeft();
    return index;
  };
  const writeFrom = async (connection: unknown) => {
    for (let index = take(); index !== undefined; index = take()) {
      const batch = await embedding.batch(index);
      await write(connection, index, batch);
    }
  };
  const extraWriter = async () => {
    const acquiring: Promise<unknown> = Promise.resolve(knex.client.acquireConnection()).catch(
      () => undefined,
    );
    const connection = await Promise.race([acquiring, allTaken]);
    if (connection === undefined) {
      void acquiring.then((late) => late !== undefined && knex.client.releaseConnection(late));
      return;
    }
    try {
      await writeFrom(connection);
    } finally {
      await knex.client.releaseConnection(connection);
    }
  };
  const guarded = (run: Promise<void>) =>
    run.catch((error: unknown) => {
      if (failure !== undefined) return;
      failure = { error };
      noneLeft();
      embedding.stop(error);
    });
  await Promise.all([
    guarded(writeFrom(lockConnection)),
    ...Array.from({ length: writers - 1 }, () => guarded(extraWriter())),
  ]);
  if (failure !== undefined) throw failure.error;
}

export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
