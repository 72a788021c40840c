import { EMBEDDING_DIMENSIONS, type Embedder } from '../pipeline/types';
import type { DocumentChunk } from './chunk-document';
import { startEmbedding } from './embed-chunks';

const chunks: DocumentChunk[] = Array.from({ length: 5 }, (_, index) => ({
  content: `chunk ${index}`,
  start: index * 10,
  end: index * 10 + 7,
  embeddingText: `text ${index}`,
}));

/** Answers each call when the test releases it, so the order of completion is the test's. */
function controlledEmbedder() {
  const pending = new Map<string, { resolve: (vector: number[]) => void; reject: (error: Error) => void }>();
  const embedder: Embedder = {
    model: 'controlled',
    embed: (text, signal) =>
      new Promise((resolve, reject) => {
        pending.set(text, { resolve, reject });
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0.01);
  return {
    embedder,
    calls: () => [...pending.keys()],
    answer: (index: number) => pending.get(`text ${index}`)!.resolve(vector),
    fail: (index: number, error: Error) => pending.get(`text ${index}`)!.reject(error),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('startEmbedding', () => {
  it('hands out each batch once all of its chunks are embedded, whatever order they finish in', async () => {
    const control = controlledEmbedder();
    const embedding = startEmbedding(control.embedder, chunks, { concurrency: 5, batchSize: 2 });
    expect(embedding.batchCount).toBe(3);
    await settle();
    let second: readonly unknown[] | undefined;
    void embedding.batch(1).then((batch) => {
      second = batch;
    });
    control.answer(3);
    control.answer(4);
    await settle();
    expect(second).toBeUndefined();
    control.answer(2);
    await settle();
    expect(second).toEqual([
      expect.objectContaining({ content: 'chunk 2', embedding: expect.any(Buffer) }),
      expect.objectContaining({ content: 'chunk 3', embedding: expect.any(Buffer) }),
    ]);
    expect(await embedding.batch(2)).toEqual([
      expect.objectContaining({ content: 'chunk 4', start: 40, end: 47 }),
    ]);
    expect(second![0]).not.toHaveProperty('embeddingText');
  });

  it('rejects every unfinished batch with the first failure and stops the calls still in flight', async () => {
    const control = controlledEmbedder();
    const embedding = startEmbedding(control.embedder, chunks, { concurrency: 2, batchSize: 2 });
    await settle();
    control.answer(0);
    control.answer(1);
    expect(await embedding.batch(0)).toHaveLength(2);
    await settle();
    expect(control.calls()).toEqual(['text 0', 'text 1', 'text 2', 'text 3']);
    control.fail(2, new Error('throttled'));
    await expect(embedding.batch(1)).rejects.toThrow('throttled');
    await expect(embedding.batch(2)).rejects.toThrow('throttled');
    await settle();
    expect(control.calls()).not.toContain('text 4');
  });

  it('stop() aborts the calls in flight, keeping the batches already handed out', async () => {
    const control = controlledEmbedder();
    const embedding = startEmbedding(control.embedder, chunks, { concurrency: 5, batchSize: 2 });
    await settle();
    control.answer(0);
    control.answer(1);
    await settle();
    embedding.stop(new Error('the write ended'));
    expect(await embedding.batch(0)).toHaveLength(2);
    await expect(embedding.batch(1)).rejects.toThrow('the write ended');
  });

  it('reports an invalid vector naming the model and the chunk', async () => {
    const embedder: Embedder = { model: 'short', embed: async () => [0.5] };
    const embedding = startEmbedding(embedder, chunks, { concurrency: 1, batchSize: 5 });
    await expect(embedding.batch(0)).rejects.toThrow(
      /Embedder short returned an invalid embedding for chunk 0/,
    );
  });
});
