import { AppError } from '../../errors';
import { EMBEDDING_DIMENSIONS } from '../../pipeline/types';
import { MalformedResponseError } from './error-mapping';

/** Titan Text Embeddings V2 accepts at most 50,000 characters (and 8,192 tokens) per text. */
export const TITAN_MAX_INPUT_CHARS = 50_000;

/** The InvokeModel body; rejects texts Titan would refuse, before spending a request on them. */
export function titanRequestBody(text: string): string {
  if (text.trim() === '') {
    throw new AppError(400, 'invalid_input', 'Text to embed must not be empty.');
  }
  if (text.length > TITAN_MAX_INPUT_CHARS) {
    throw new AppError(
      400,
      'input_too_long',
      `Text to embed has ${text.length} characters; the embedding model accepts at most ${TITAN_MAX_INPUT_CHARS}.`,
    );
  }
  return JSON.stringify({ inputText: text, dimensions: EMBEDDING_DIMENSIONS, normalize: true });
}

/** Reads `{ embedding }` and insists on EMBEDDING_DIMENSIONS finite numbers of non-zero length. */
export function parseTitanEmbedding(body: Uint8Array | undefined): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body ?? []).toString('utf8'));
  } catch {
    throw new MalformedResponseError('embedding response is not JSON');
  }
  const embedding =
    typeof parsed === 'object' && parsed !== null && 'embedding' in parsed ? parsed.embedding : undefined;
  if (!Array.isArray(embedding)) {
    throw new MalformedResponseError('embedding response has no embedding array');
  }
  if (embedding.length !== EMBEDDING_DIMENSIONS) {
    throw new MalformedResponseError(
      `embedding has ${embedding.length} dimensions, expected ${EMBEDDING_DIMENSIONS}`,
    );
  }
  if (!embedding.every((value): value is number => typeof value === 'number' && Number.isFinite(value))) {
    throw new MalformedResponseError('embedding contains a value that is not a finite number');
  }
  return normalized(embedding);
}

/** We ask Titan to normalize; dividing again only removes its float rounding, and catches a zero vector. */
function normalized(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  if (norm === 0) throw new MalformedResponseError('embedding is the zero vector');
  return vector.map((value) => value / norm);
}
