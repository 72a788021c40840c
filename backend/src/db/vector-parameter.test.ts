import { EMBEDDING_DIMENSIONS } from '../pipeline/types';
import { toVectorParameter } from './vector-parameter';

describe('toVectorParameter', () => {
  it("writes pgvector's binary form: dimensions, a zero reserved field, big-endian float4s", () => {
    const embedding = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, index) =>
      index === 1 ? -0.5 : index / 4096,
    );
    const buffer = toVectorParameter(embedding, 'model-x', 'chunk 0');
    expect(buffer).toHaveLength(4 + 4 * EMBEDDING_DIMENSIONS);
    expect(buffer.readInt16BE(0)).toBe(EMBEDDING_DIMENSIONS);
    expect(buffer.readInt16BE(2)).toBe(0);
    expect(buffer.readFloatBE(4)).toBe(0);
    expect(buffer.readFloatBE(8)).toBe(-0.5);
    expect(buffer.readFloatBE(4 + 4 * 1000)).toBe(Math.fround(1000 / 4096));
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
    expect(() => toVectorParameter(embedding, 'model-x', 'chunk 3')).toThrow(
      `Embedder model-x returned an invalid embedding for chunk 3: expected ${EMBEDDING_DIMENSIONS} finite float4 numbers`,
    );
    expect(() => toVectorParameter(embedding, 'model-x', 'chunk 3')).toThrow(detail);
  });
});
