import { toSql } from 'pgvector';
import { EMBEDDING_DIMENSIONS } from '../rag/types';

/**
 * The one way an embedding becomes a `vector(1024)` SQL parameter (pgvector's text form, cheap for
 * the server to parse in multi-row inserts). A vector of the wrong size or with NaN/Infinity is a
 * provider fault and is reported as such, naming the model and what it was embedding, instead of
 * surfacing later as an opaque SQL error.
 */
export function toVectorLiteral(embedding: readonly number[], model: string, subject: string): string {
  if (embedding.length !== EMBEDDING_DIMENSIONS || !embedding.every(Number.isFinite)) {
    throw new Error(
      `Embedder ${model} returned an invalid embedding for ${subject}: expected ${EMBEDDING_DIMENSIONS} finite numbers, got ${embedding.length}`,
    );
  }
  return toSql(embedding);
}
