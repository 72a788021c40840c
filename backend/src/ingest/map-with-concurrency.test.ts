import { getMaxListeners } from 'node:events';
import { mapWithConcurrency } from './map-with-concurrency';

/** A task whose completion the test controls, to observe how many run at once. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('mapWithConcurrency', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    const pending = Array.from({ length: 7 }, () => deferred<number>());
    let running = 0;
    let maxRunning = 0;
    const started: number[] = [];
    const result = mapWithConcurrency([0, 1, 2, 3, 4, 5, 6], 3, async (item) => {
      started.push(item);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      const value = await pending[item]!.promise;
      running -= 1;
      return value;
    });
    await flush();
    expect(started).toEqual([0, 1, 2]);
    for (const index of [2, 0, 1, 6, 5, 4, 3]) {
      pending[index]!.resolve(index * 10);
      await flush();
    }
    await expect(result).resolves.toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(maxRunning).toBe(3);
  });

  it('returns an empty list for no items without calling work', async () => {
    const work = jest.fn();
    await expect(mapWithConcurrency([], 4, work)).resolves.toEqual([]);
    expect(work).not.toHaveBeenCalled();
  });

  it('rejects with the first failure, aborts the calls in flight and starts no more', async () => {
    const signals: AbortSignal[] = [];
    const started: number[] = [];
    const failure = new Error('embedding failed');
    const result = mapWithConcurrency([0, 1, 2, 3, 4, 5], 2, async (item, _index, signal) => {
      started.push(item);
      signals.push(signal);
      if (item === 1) throw failure;
      await new Promise((resolve) => setTimeout(resolve, 0));
      return item;
    });
    await expect(result).rejects.toBe(failure);
    await flush();
    expect(started).toEqual([0, 1]);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const result = mapWithConcurrency(
      [0, 1, 2, 3],
      1,
      async (item) => {
        started.push(item);
        controller.abort(new Error('client went away'));
        return item;
      },
      controller.signal,
    );
    await expect(result).rejects.toThrow('client went away');
    expect(started).toEqual([0]);
  });

  it('lets every call in flight listen to the shared signal without a listener-leak warning', async () => {
    // Each call may listen twice: while queued for a shared embedding slot, then inside the SDK.
    const caps = await mapWithConcurrency([1, 2, 3], 16, async (_item, _index, signal) =>
      getMaxListeners(signal),
    );
    expect(Math.min(...caps)).toBeGreaterThanOrEqual(2 * 16);
  });

  it('rejects an invalid limit', async () => {
    await expect(mapWithConcurrency([1], 0, async (item) => item)).rejects.toThrow(
      'concurrency must be a positive integer, got 0',
    );
  });
});
