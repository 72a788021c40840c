/**
 * The size of a document's write batches: at most `maxBatchSize` chunks, and as many batches as a
 * multiple of `writers`, all of one size (the last one at most a few chunks shorter), so every writer
 * gets the same number of equal batches and all of them finish together. With 1,040 chunks, 2
 * writers and batches of 200, the batches used to be 5 × 200 + 40: one writer wrote 600 chunks
 * while the other wrote 440 and then waited, a sixth of the document on one core (BENCHMARKS.md,
 * ingest). Now they are 5 × 174 + 170.
 */
export function writeBatchSize(chunkCount: number, writers: number, maxBatchSize: number): number {
  if (chunkCount <= 0) return maxBatchSize;
  const rounds = Math.ceil(Math.ceil(chunkCount / maxBatchSize) / writers);
  return Math.max(1, Math.ceil(chunkCount / (rounds * writers)));
}
