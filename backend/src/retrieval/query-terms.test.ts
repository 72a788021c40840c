import { MAX_QUERY_TERMS, queryTerms } from './query-terms';

describe('queryTerms', () => {
  it('splits on punctuation and spaces, lowercases and removes repeats', () => {
    expect(queryTerms('How does HNSW work? hnsw, "blue green" -rollback')).toEqual([
      'how',
      'does',
      'hnsw',
      'work',
      'blue',
      'green',
      'rollback',
    ]);
  });

  it('keeps joined words and versions whole, and non-Latin letters', () => {
    expect(queryTerms("it's e-mail pgvector v0.8.0 snake_case Größe 東京")).toEqual([
      "it's",
      'e-mail',
      'pgvector',
      'v0.8.0',
      'snake_case',
      'größe',
      '東京',
    ]);
  });

  it('returns nothing for text without words', () => {
    expect(queryTerms("!!! & | :* -- '")).toEqual([]);
  });

  it('keeps at most MAX_QUERY_TERMS terms, the first ones', () => {
    const words = Array.from({ length: MAX_QUERY_TERMS + 5 }, (_, index) => `word${index}`);
    expect(queryTerms(words.join(' '))).toEqual(words.slice(0, MAX_QUERY_TERMS));
  });
});
