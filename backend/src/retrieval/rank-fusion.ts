/** One entry of a ranked list: best first. `relevance` in [0, 1] is the list's own judgement. */
export interface RankedCandidate {
  readonly id: string;
  readonly relevance: number;
}

export interface FusedCandidate {
  readonly id: string;
  /** In [0, 1]: 1 means first in every list with full relevance. */
  readonly score: number;
}

/** The usual RRF constant: large enough that rank 1 does not drown out agreement between lists. */
export const DEFAULT_RRF_K = 60;

/**
 * Relevance-weighted reciprocal rank fusion. Each list contributes `relevance / (k + rank)` for every
 * candidate it ranks (rank counted from 1); the sum is divided by the best possible sum, `lists / (k + 1)`,
 * so scores land in [0, 1] and mean the same across queries. With every relevance 1 this is classic
 * RRF; the weighting lets a minimum-score cutoff drop candidates that ranked first only because
 * nothing better existed. A candidate ranked twice in one list counts at its better rank.
 */
export function fuseRankings(
  lists: readonly (readonly RankedCandidate[])[],
  k: number = DEFAULT_RRF_K,
): FusedCandidate[] {
  if (!(k > 0) || !Number.isFinite(k)) throw new RangeError(`k must be a positive number, got ${k}`);
  if (lists.length === 0) return [];
  const sums = new Map<string, number>();
  for (const list of lists) {
    const seen = new Set<string>();
    list.forEach(({ id, relevance }, index) => {
      if (!(relevance >= 0 && relevance <= 1)) {
        throw new RangeError(`relevance must be in [0, 1], got ${relevance} for ${id}`);
      }
      if (seen.has(id)) return;
      seen.add(id);
      sums.set(id, (sums.get(id) ?? 0) + relevance / (k + index + 1));
    });
  }
  const best = lists.length / (k + 1);
  // Map iteration follows first appearance, and sort is stable: ties keep that order.
  return [...sums]
    .map(([id, sum]) => ({ id, score: Math.min(1, sum / best) }))
    .sort((left, right) => right.score - left.score);
}
