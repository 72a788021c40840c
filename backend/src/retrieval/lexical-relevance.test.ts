import { HALF_RELEVANCE_SCORE, lexicalRelevance, MIN_LEXICAL_RELEVANCE } from './lexical-relevance';

describe('lexicalRelevance', () => {
  it('is 0 for no match and one half at HALF_RELEVANCE_SCORE', () => {
    expect(lexicalRelevance(0)).toBe(0);
    expect(lexicalRelevance(-1)).toBe(0);
    expect(lexicalRelevance(Number.NaN)).toBe(0);
    expect(lexicalRelevance(HALF_RELEVANCE_SCORE)).toBeCloseTo(0.5, 12);
  });

  it('grows with the score and stays below 1', () => {
    const scores = [0.01, 0.1, 1, 3, 100];
    const relevances = scores.map(lexicalRelevance);
    expect(relevances).toEqual([...relevances].sort((a, b) => a - b));
    expect(relevances.every((relevance) => relevance > 0 && relevance < 1)).toBe(true);
  });

  it('keeps one chunk-rare term above the fusion floor and a word in half the chunks below it', () => {
    const idfOfSingleChunkTerm = Math.log(1 + (100_000 - 0.5) / 1.5);
    const idfOfHalf = Math.log(1 + (100_000 - 50_000 + 0.5) / (50_000 + 0.5));
    expect(lexicalRelevance(1)).toBeGreaterThan(MIN_LEXICAL_RELEVANCE);
    expect(lexicalRelevance(idfOfHalf / idfOfSingleChunkTerm)).toBeLessThan(MIN_LEXICAL_RELEVANCE);
  });
});
