import { writeBatchSize } from './write-batch-size';

/** The batch lengths a document of `chunkCount` chunks is cut into. */
function batches(chunkCount: number, writers: number, maxBatchSize: number): number[] {
  const size = writeBatchSize(chunkCount, writers, maxBatchSize);
  return Array.from({ length: Math.ceil(chunkCount / size) }, (_, index) =>
    Math.min(size, chunkCount - index * size),
  );
}

describe('writeBatchSize', () => {
  it('gives every writer the same number of batches of about the same size', () => {
    expect(batches(1040, 2, 200)).toEqual([174, 174, 174, 174, 174, 170]);
    expect(batches(13, 2, 200)).toEqual([7, 6]);
    expect(batches(201, 2, 200)).toEqual([101, 100]);
    expect(batches(1200, 3, 200)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('never exceeds the largest batch size', () => {
    for (const chunkCount of [1, 2, 199, 200, 201, 399, 401, 1039, 1041, 5000]) {
      for (const writers of [1, 2, 3, 4]) {
        const lengths = batches(chunkCount, writers, 200);
        expect(Math.max(...lengths)).toBeLessThanOrEqual(200);
        expect(lengths.reduce((sum, length) => sum + length, 0)).toBe(chunkCount);
        expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThan(lengths.length);
      }
    }
  });

  it('keeps one batch when there is one writer and the document fits', () => {
    expect(batches(150, 1, 200)).toEqual([150]);
    expect(batches(1, 2, 200)).toEqual([1]);
  });
});
