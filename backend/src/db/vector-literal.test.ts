import { EMBEDDING_DIMENSIONS } from '../rag/types';
import { toVectorLiteral } from './vector-literal';

describe('toVectorLiteral', () => {
  it('writes a valid embedding in pgvector text form', () => {
    const embedding = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, index) => (index === 0 ? 1 : 0));
    const literal = toVectorLiteral(embedding, 'model-x', 'chunk 0');
    expect(literal).toBe(`[1,${Array.from({ length: EMBEDDING_DIMENSIONS - 1 }, () => '0').join(',')}]`);
  });

  it.each([
    ['too short', [0.5, 0.5], 'got 2'],
    ['too long', new Array<number>(EMBEDDING_DIMENSIONS + 1).fill(0), `got ${EMBEDDING_DIMENSIONS + 1}`],
    [
      'NaN inside',
      [...new Array<number>(EMBEDDING_DIMENSIONS - 1).fill(0), Number.NaN],
      `got ${EMBEDDING_DIMENSIONS}`,
    ],
    [
      'Infinity inside',
      [Number.POSITIVE_INFINITY, ...new Array<number>(EMBEDDING_DIMENSIONS - 1).fill(0)],
      'finite',
    ],
  ])('rejects an embedding %s, naming the model and the subject', (_case, embedding, detail) => {
    expect(() => toVectorLiteral(embedding, 'model-x', 'chunk 3')).toThrow(
      `Embedder model-x returned an invalid embedding for chunk 3: expected ${EMBEDDING_DIMENSIONS} finite numbers`,
    );
    expect(() => toVectorLiteral(embedding, 'model-x', 'chunk 3')).toThrow(detail);
  });
});
