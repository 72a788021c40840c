import { contentTerms, words } from './text';

describe('words', () => {
  it('lower-cases and splits on anything that is not a letter or digit', () => {
    expect(words('Café-Bar: HNSW, pgvector 0.8!')).toEqual(['café', 'bar', 'hnsw', 'pgvector', '0', '8']);
  });
});

describe('contentTerms', () => {
  it('drops stop words and folds plurals onto their singular', () => {
    expect(contentTerms('What are the indexes, classes, queries and containers?')).toEqual([
      'index',
      'class',
      'query',
      'container',
    ]);
    expect(contentTerms('the access process')).toEqual(['access', 'process']);
  });
});
