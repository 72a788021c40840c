import { setTimeout as sleep } from 'node:timers/promises';
import type { Embedder, Generator, Providers } from '../../src/pipeline/types';

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

/**
 * Maps any text to one of the given unit vectors by hashing it, so ingested chunks get vectors
 * from the realistic clustered distribution (HNSW insert cost depends on the data's shape) without
 * running a model.
 */
export function hashedVectorPicker(pool: readonly Float32Array[]): (text: string) => Float32Array {
  return (text) => {
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    return pool[(hash >>> 0) % pool.length]!;
  };
}
