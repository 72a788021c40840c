import { toVectorParameter } from '../db/vector-parameter';
import type { Embedder } from '../pipeline/types';
import type { DocumentChunk } from './chunk-document';
import { mapWithConcurrency } from './map-with-concurrency';

/** A chunk whose embedding is already a checked `vector` parameter (see toVectorParameter). */
export type EmbeddedChunk = Omit<DocumentChunk, 'embeddingText'> & { readonly embedding: Buffer };

export interface EmbeddingOptions {
  /** Embedding calls in flight at once. */
  readonly concurrency: number;
  /** Chunks per batch: a batch is handed out once every chunk in it is embedded. */
  readonly batchSize: number;
  readonly signal?: AbortSignal | undefined;
}

/** A document's embedding in progress, handed out in order, one batch at a time. */
export interface ChunkEmbedding {
  readonly batchCount: number;
  /** The embedded chunks of batch `index`; rejects with the first embedding failure. */
  batch(index: number): Promise<readonly EmbeddedChunk[]>;
  /** Stops the calls still in flight (their batches reject); the finished ones are kept. */
  stop(reason?: unknown): void;
}

/**
 * Starts embedding `chunks` at once, `concurrency` calls at a time in chunk order, so a writer can
 * store the first batches while the later ones are still being embedded. The first failure stops
 * every other call and rejects every batch not yet complete.
 */
export function startEmbedding(
  embedder: Embedder,
  chunks: readonly DocumentChunk[],
  options: EmbeddingOptions,
): ChunkEmbedding {
  const { concurrency, batchSize } = options;
  const batchCount = Math.ceil(chunks.length / batchSize);
  const stopper = new AbortController();
  const signal =
    options.signal === undefined ? stopper.signal : AbortSignal.any([options.signal, stopper.signal]);

  const embedded = new Array<EmbeddedChunk>(chunks.length);
  const missing = Array.from({ length: batchCount }, (_, index) =>
    Math.min(batchSize, chunks.length - index * batchSize),
  );
  const batches = Array.from({ length: batchCount }, () => deferred<readonly EmbeddedChunk[]>());

  void mapWithConcurrency(
    chunks,
    concurrency,
    async ({ embeddingText, ...chunk }, index, callSignal) => {
      const vector = await embedder.embed(embeddingText, callSignal);
      embedded[index] = { ...chunk, embedding: toVectorParameter(vector, embedder.model, `chunk ${index}`) };
      const batchIndex = Math.floor(index / batchSize);
      missing[batchIndex]! -= 1;
      if (missing[batchIndex] === 0) {
        const start = batchIndex * batchSize;
        batches[batchIndex]!.resolve(embedded.slice(start, start + batchSize));
      }
    },
    signal,
  ).catch((error: unknown) => {
    for (const batch of batches) batch.reject(error);
  });

  return {
    batchCount,
    batch: (index) => batches[index]!.promise,
    stop: (reason) => stopper.abort(reason),
  };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise settled from outside; one nobody awaits (the writer already failed) is no unhandled rejection. */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
