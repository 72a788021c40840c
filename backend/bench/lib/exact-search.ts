import type { BenchQuery, Corpus } from './corpus';
import { SimdDotProducts } from './simd-dot';

/**
 * Exact top-k by cosine similarity over the whole corpus: the ground truth for recall@k.
 * All vectors are unit length, so cosine similarity is the dot product, computed by the SIMD
 * kernel four queries at a time.
 */
export function exactTopK(corpus: Corpus, queries: readonly BenchQuery[], k: number): number[][] {
  const kernel = new SimdDotProducts(corpus.vectors, corpus.dims);
  const results: number[][] = [];
  for (let start = 0; start < queries.length; start += 4) {
    const block = queries.slice(start, start + 4);
    const scores = kernel.scoreBlock(block.map((query) => query.vector));
    for (let j = 0; j < block.length; j++) {
      const best = new TopK(k);
      for (let row = 0; row < corpus.size; row++) best.offer(row, scores[4 * row + j]!);
      results.push(best.rows());
    }
  }
  return results;
}

/** Fraction of the exact top-k rows present in the first k returned rows (order ignored). */
export function recallAtK(exact: readonly number[], returned: readonly number[], k: number): number {
  const truth = new Set(exact.slice(0, k));
  let hits = 0;
  for (const row of returned.slice(0, k)) if (truth.has(row)) hits++;
  return hits / truth.size;
}

/** Keeps the k highest scores seen; k is tiny (5), so a sorted array beats a heap. */
class TopK {
  private readonly entries: { row: number; score: number }[] = [];

  constructor(private readonly k: number) {}

  offer(row: number, score: number): void {
    if (this.entries.length === this.k && score <= this.entries[this.k - 1]!.score) return;
    let index = this.entries.length;
    while (index > 0 && this.entries[index - 1]!.score < score) index--;
    this.entries.splice(index, 0, { row, score });
    if (this.entries.length > this.k) this.entries.pop();
  }

  rows(): number[] {
    return this.entries.map((entry) => entry.row);
  }
}
