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

  it('folds -ment, -ing and -ed onto the base word', () => {
    expect(contentTerms('deployment deploying deployed deploys deploy')).toEqual(Array(5).fill('deploy'));
    expect(contentTerms('rolling rolled roll')).toEqual(['roll', 'roll', 'roll']);
    expect(contentTerms('running stopped embedded')).toEqual(['run', 'stop', 'embed']);
    expect(contentTerms('need sing red')).toEqual(['need', 'sing', 'red']);
    expect(contentTerms('tattooed tattoo')).toEqual(['tattoo', 'tattoo']);
  });
});
