/**
 * BM25 with the usual constants. Term frequency inside a chunk is counted as present or absent:
 * chunks are at most ~500 characters, where a repeated term is rare and says little, and reading
 * positions would mean unpacking every candidate's tsvector at query time.
 */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/**
 * The lexical score handed to the fusion is the BM25 sum divided by the inverse document frequency
 * of a term found in a single chunk (the most informative a term can be in this corpus), so one
 * rare term counts about 1 whatever the corpus size, and a term found in every chunk about 0.
 * It is then saturated to [0, 1): this is the score at which relevance is one half.
 */
export const HALF_RELEVANCE_SCORE = 0.5;

/**
 * Below this relevance a lexical match says nothing the vectors do not (only common words matched):
 * it takes no part in the fusion, so it can never push a semantic neighbour out. One chunk-rare term
 * is ~0.67 (0.75 as a complete match); a word found in half of the chunks ~0.11 at 100k chunks.
 */
export const MIN_LEXICAL_RELEVANCE = 0.15;

/** Relevance in [0, 1) of a normalized lexical score (0 and below: nothing matched). */
export function lexicalRelevance(normalizedScore: number): number {
  if (!(normalizedScore > 0)) return 0;
  return normalizedScore / (normalizedScore + HALF_RELEVANCE_SCORE);
}
