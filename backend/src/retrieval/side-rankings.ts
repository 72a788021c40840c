import type { CandidateRow } from './candidate-statements';
import { lexicalRelevance } from './lexical-relevance';
import type { RankedCandidate } from './rank-fusion';

/** Each side's own ranking of the candidates, best first (the relevance benchmark compares them). */
export interface SideRankings {
  readonly vector: RankedCandidate[];
  readonly lexical: RankedCandidate[];
}

/**
 * Ties within one side (equal BM25 is common: chunks of one length holding the same terms) are
 * broken by the other side's judgement, then by chunk id, so a ranking depends neither on the order
 * rows arrive in (one statement's full join and two statements' rows come in different orders) nor,
 * where the other side can tell them apart, on the chunks' random ids.
 */
export function rankCandidates(
  rows: readonly Pick<CandidateRow, 'chunk_id' | 'similarity' | 'text_score'>[],
): SideRankings {
  const similarity = new Map<string, number>();
  const textRelevance = new Map<string, number>();
  for (const row of rows) {
    if (row.similarity !== null) similarity.set(row.chunk_id, clamp(row.similarity));
    if (row.text_score !== null) textRelevance.set(row.chunk_id, lexicalRelevance(row.text_score));
  }
  const ranking = (own: Map<string, number>, other: Map<string, number>): RankedCandidate[] =>
    [...own]
      .sort(
        ([leftId, left], [rightId, right]) =>
          right - left ||
          (other.get(rightId) ?? -1) - (other.get(leftId) ?? -1) ||
          (leftId < rightId ? -1 : leftId > rightId ? 1 : 0),
      )
      .map(([id, relevance]) => ({ id, relevance }));
  return { vector: ranking(similarity, textRelevance), lexical: ranking(textRelevance, similarity) };
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
