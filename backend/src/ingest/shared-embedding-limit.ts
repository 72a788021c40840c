import type { Embedder } from '../pipeline/types';

/**
 * An embedder that lets at most `limit` calls reach `embedder` at once, however many uploads run
 * together; further calls wait in arrival order. Without it each upload brings its own embedding
 * concurrency, so parallel uploads multiply the calls into Bedrock throttling. Queries keep the
 * plain embedder so an upload never delays an answer.
 */
export function withSharedEmbeddingLimit(embedder: Embedder, limit: number): Embedder {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`embedding limit must be a positive integer, got ${limit}`);
  }
  let inFlight = 0;
  const waiting: Array<() => void> = [];

  const acquire = (signal: AbortSignal | undefined): Promise<void> => {
    signal?.throwIfAborted();
    if (inFlight < limit) {
      inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', giveUp);
        resolve();
      };
      const giveUp = () => {
        waiting.splice(waiting.indexOf(grant), 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      waiting.push(grant);
    });
  };

  // A finished call hands its slot straight to the next waiter, so inFlight only drops when none wait.
  const release = () => {
    const next = waiting.shift();
    if (next === undefined) inFlight -= 1;
    else next();
  };

  return {
    model: embedder.model,
    async embed(text, signal) {
      await acquire(signal);
      try {
        return await embedder.embed(text, signal);
      } finally {
        release();
      }
    },
  };
}
