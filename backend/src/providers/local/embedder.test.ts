import { EMBEDDING_DIMENSIONS } from '../../pipeline/types';
import { createLocalEmbedder, embedText } from './embedder';

function cosine(left: number[], right: number[]): number {
  return left.reduce((sum, value, index) => sum + value * (right[index] ?? 0), 0);
}

function norm(vector: number[]): number {
  return Math.sqrt(cosine(vector, vector));
}

describe('local embedder', () => {
  it('returns L2-normalized vectors of the shared dimension', async () => {
    const vector = await createLocalEmbedder().embed('Fargate runs containers without servers.');
    expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(norm(vector)).toBeCloseTo(1, 10);
    expect(vector.every(Number.isFinite)).toBe(true);
  });

  it('is deterministic', () => {
    expect(embedText('HNSW graph index')).toEqual(embedText('HNSW graph index'));
    expect(embedText('HNSW graph index')).not.toEqual(embedText('IVFFlat list index'));
  });

  it('places texts about the same thing closer than unrelated texts', () => {
    const query = embedText('How does an HNSW index speed up vector search?');
    const related = embedText(
      'The HNSW index builds a layered graph so vector search visits few neighbours.',
    );
    const unrelated = embedText('Rotate IAM access keys and prefer short-lived role credentials.');
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.1);
  });

  it('ignores case, plural endings and stop words', () => {
    expect(embedText('The Containers')).toEqual(embedText('container'));
  });

  it('still returns a unit vector for text without words', () => {
    const vector = embedText('!!! ...');
    expect(norm(vector)).toBeCloseTo(1, 10);
  });

  it('refuses to work for an aborted request', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(createLocalEmbedder().embed('text', controller.signal)).rejects.toThrow('client went away');
  });
});
