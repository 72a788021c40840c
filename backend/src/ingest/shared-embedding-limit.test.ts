import type { Embedder } from '../pipeline/types';
import { withSharedEmbeddingLimit } from './shared-embedding-limit';

/** An embedder whose calls finish only when the test says so. */
function manualEmbedder() {
  const pending: Array<{ text: string; finish: () => void }> = [];
  const embedder: Embedder = {
    model: 'manual',
    embed: (text) =>
      new Promise((resolve) => {
        pending.push({ text, finish: () => resolve([text.length]) });
      }),
  };
  return { embedder, pending };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('withSharedEmbeddingLimit', () => {
  it('lets at most `limit` calls through across all callers, then serves waiters in arrival order', async () => {
    const { embedder, pending } = manualEmbedder();
    const limited = withSharedEmbeddingLimit(embedder, 2);
    const results = ['a', 'bb', 'ccc', 'dddd'].map((text) => limited.embed(text));
    await settle();
    expect(pending.map((call) => call.text)).toEqual(['a', 'bb']);

    pending[1]!.finish();
    await settle();
    expect(pending.map((call) => call.text)).toEqual(['a', 'bb', 'ccc']);

    pending[0]!.finish();
    pending[2]!.finish();
    await settle();
    pending[3]!.finish();
    await expect(Promise.all(results)).resolves.toEqual([[1], [2], [3], [4]]);
    expect(limited.model).toBe('manual');
  });

  it('frees the slot of a failed call', async () => {
    let calls = 0;
    const limited = withSharedEmbeddingLimit(
      {
        model: 'flaky',
        embed: async () => {
          calls += 1;
          if (calls === 1) throw new Error('throttled');
          return [1];
        },
      },
      1,
    );
    await expect(limited.embed('x')).rejects.toThrow('throttled');
    await expect(limited.embed('y')).resolves.toEqual([1]);
  });

  it('drops a waiting call when its signal aborts, without ever calling the embedder for it', async () => {
    const { embedder, pending } = manualEmbedder();
    const limited = withSharedEmbeddingLimit(embedder, 1);
    const first = limited.embed('first');
    const controller = new AbortController();
    const abandoned = limited.embed('abandoned', controller.signal);
    const last = limited.embed('last');
    controller.abort(new Error('upload cancelled'));
    await expect(abandoned).rejects.toThrow('upload cancelled');

    pending[0]!.finish();
    await settle();
    expect(pending.map((call) => call.text)).toEqual(['first', 'last']);
    pending[1]!.finish();
    await expect(Promise.all([first, last])).resolves.toEqual([[5], [4]]);
  });

  it('rejects a limit that is not a positive integer', () => {
    const { embedder } = manualEmbedder();
    expect(() => withSharedEmbeddingLimit(embedder, 0)).toThrow(RangeError);
    expect(() => withSharedEmbeddingLimit(embedder, 1.5)).toThrow(RangeError);
  });
});
