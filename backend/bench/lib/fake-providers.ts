import { setTimeout as sleep } from 'node:timers/promises';
import type { Embedder, Generator, Providers } from '../../src/pipeline/types';
import type { Corpus } from './corpus';
import { Prng } from './prng';

/**
 * Stand-ins for Bedrock with a fixed latency (0 for "the provider is free", 50 ms for a realistic
 * Titan call), so a benchmark measures our code and the database, not a model.
 */
export const FAKE_EMBEDDING_MODEL = 'bench-fake-embedder';
export const FAKE_GENERATION_MODEL = 'bench-fake-generator';

/** Resolves `vectorFor(text)` after `latencyMs`; with 0 it resolves without touching a timer. */
export function createFakeEmbedder(vectorFor: (text: string) => Float32Array, latencyMs: number): Embedder {
  return {
    model: FAKE_EMBEDDING_MODEL,
    embed: async (text, signal) => {
      // The signal is checked rather than handed to the timer: ingest shares one signal among all
      // of a document's calls, and a listener per call would trip Node's max-listeners warning.
      if (latencyMs > 0) await sleep(latencyMs);
      signal?.throwIfAborted();
      return Array.from(vectorFor(text));
    },
  };
}

/** Streams a short cited answer in a few tokens, after `latencyMs` (time to first token). */
export function createFakeGenerator(latencyMs: number): Generator {
  return {
    model: FAKE_GENERATION_MODEL,
    async *streamAnswer(request) {
      if (latencyMs > 0) await sleep(latencyMs);
      request.signal?.throwIfAborted();
      if (request.sources.length === 0) {
        yield "I don't know.";
        return;
      }
      for (const token of ['The ', 'sources ', 'say ', 'so ', '[1].']) yield token;
    },
  };
}

export function createFakeProviders(vectorFor: (text: string) => Float32Array, latencyMs: number): Providers {
  return {
    mode: 'bedrock',
    embedder: createFakeEmbedder(vectorFor, latencyMs),
    generator: createFakeGenerator(latencyMs),
  };
}

/** Vectors generated at once when a supply runs out mid-measurement. */
const SUPPLY_BLOCK = 1024;

/**
 * Vectors from the corpus's clustered distribution, none handed out twice, so every ingested chunk
 * costs a full HNSW insert. pgvector stores a vector byte-identical to a graph element as one more
 * heap TID of that element, without writing a new element or updating any neighbours: with the
 * 4,000-vector pool the ingest benchmarks once drew from, most of their chunks were such duplicates
 * once a few thousand had been written, and a duplicate insert costs about half the CPU of a new one
 * (BENCHMARKS.md, ingest).
 */
export class FreshVectorSupply {
  private supply: Float32Array[] = [];
  private next = 0;
  private readonly prng: Prng;

  constructor(
    private readonly corpus: Corpus,
    seed: number,
  ) {
    this.prng = new Prng(seed);
  }

  /** Generates vectors ahead until `count` are unused (about 0.1 ms of CPU each), so a measured run only hands them out. */
  reserve(count: number): void {
    const unused = this.supply.slice(this.next);
    const missing = Math.max(0, count - unused.length);
    this.supply = missing === 0 ? unused : [...unused, ...this.corpus.freshVectors(missing, this.prng)];
    this.next = 0;
  }

  /** The next vector never handed out before, whatever the text. */
  readonly take = (): Float32Array => {
    if (this.next === this.supply.length) this.reserve(SUPPLY_BLOCK);
    return this.supply[this.next++]!;
  };
}
