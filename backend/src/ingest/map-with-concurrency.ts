import { defaultMaxListeners, setMaxListeners } from 'node:events';

const LISTENERS_PER_CALL = 2;

/**
 * Maps `items` through `work` with at most `limit` calls in flight, keeping the input order in the
 * result. The first failure aborts the signal handed to the other calls, stops starting new ones and
 * rejects with that failure; aborting `signal` does the same.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }
  signal?.throwIfAborted();
  const controller = new AbortController();
  // Every call in flight may listen twice (queued for a shared embedding slot, then in the SDK);
  // Node's default cap of 10 would report that as a leak.
  setMaxListeners(Math.max(LISTENERS_PER_CALL * limit, defaultMaxListeners), controller.signal);
  const forwardAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', forwardAbort, { once: true });

  const results = new Array<R>(items.length);
  let nextIndex = 0;
  const runWorker = async () => {
    while (nextIndex < items.length) {
      controller.signal.throwIfAborted();
      const index = nextIndex;
      nextIndex += 1;
      try {
        results[index] = await work(items[index]!, index, controller.signal);
      } catch (error) {
        controller.abort(error);
        throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runWorker));
    return results;
  } finally {
    signal?.removeEventListener('abort', forwardAbort);
  }
}
