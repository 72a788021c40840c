import type { BenchQuery, Corpus } from './corpus';

/**
 * Exact top-k by cosine similarity over the whole corpus: the ground truth for recall@k.
 * All vectors are unit length, so cosine similarity is the dot product. Four queries share each
 * pass over the corpus: every corpus element is loaded once and used four times, which makes the
 * brute force about twice as fast as one query per pass (≈0.7 ns per element and query here).
 */
const BLOCK = 4;

export function exactTopK(corpus: Corpus, queries: readonly BenchQuery[], k: number): number[][] {
  const results: number[][] = [];
  for (let start = 0; start < queries.length; start += BLOCK) {
    const block = queries.slice(start, start + BLOCK);
    results.push(...scanBlock(corpus, block, k));
  }
  return results;
}

function scanBlock(corpus: Corpus, block: readonly BenchQuery[], k: number): number[][] {
  const { dims, vectors, size } = corpus;
  // A short last block is padded with zero vectors whose results are dropped.
  const packed = new Float32Array(BLOCK * dims);
  for (const [i, query] of block.entries()) packed.set(query.vector, i * dims);
  const best = Array.from({ length: BLOCK }, () => new TopK(k));
  for (let row = 0; row < size; row++) {
    const base = row * dims;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < dims; i++) {
      const x = vectors[base + i]!;
      s0 += x * packed[i]!;
      s1 += x * packed[dims + i]!;
      s2 += x * packed[2 * dims + i]!;
      s3 += x * packed[3 * dims + i]!;
    }
    best[0]!.offer(row, s0);
    best[1]!.offer(row, s1);
    best[2]!.offer(row, s2);
    best[3]!.offer(row, s3);
  }
  return best.slice(0, block.length).map((top) => top.rows());
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
