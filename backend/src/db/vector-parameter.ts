import { EMBEDDING_DIMENSIONS } from '../pipeline/types';

/** pgvector's binary `vector` format: int16 dimensions, int16 reserved (0), then big-endian float4s. */
const HEADER_BYTES = 4;
const FLOAT_BYTES = 4;
/** Largest finite float4; a larger double would be stored as Infinity, which pgvector rejects. */
const FLOAT4_MAX = 3.4028234663852886e38;

/**
 * The one way an embedding becomes a `vector(1024)` SQL parameter. It is sent in pgvector's binary
 * form (node-postgres sends a Buffer parameter as binary): 4 KB instead of ~21 KB of decimal text,
 * nothing to format in JavaScript and nothing to parse on the server, which matters for multi-row
 * inserts and for the query vector of every search.
 *
 * A vector of the wrong size or with NaN, Infinity or values beyond float4 is a provider fault and is reported as such,
 * naming the model and what it was embedding, instead of surfacing later as an opaque SQL error.
 */
export function toVectorParameter(embedding: readonly number[], model: string, subject: string): Buffer {
  if (
    embedding.length !== EMBEDDING_DIMENSIONS ||
    !embedding.every((value) => Math.abs(value) <= FLOAT4_MAX)
  ) {
    throw new Error(
      `Embedder ${model} returned an invalid embedding for ${subject}: expected ${EMBEDDING_DIMENSIONS} finite float4 numbers, got ${embedding.length}`,
    );
  }
  const buffer = Buffer.alloc(HEADER_BYTES + FLOAT_BYTES * embedding.length);
  buffer.writeInt16BE(embedding.length, 0);
  embedding.forEach((value, index) => {
    buffer.writeFloatBE(value, HEADER_BYTES + FLOAT_BYTES * index);
  });
  return buffer;
}
