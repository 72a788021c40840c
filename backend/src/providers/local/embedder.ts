import { EMBEDDING_DIMENSIONS, type Embedder } from '../../pipeline/types';
import { contentTerms } from './text';

export const LOCAL_EMBEDDING_MODEL = 'local-hash-v2';

const UNIGRAM_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.6;
const TRIGRAM_WEIGHT = 0.25;

/**
 * A deterministic embedder with no model: feature hashing of word unigrams, word bigrams and
 * character trigrams into EMBEDDING_DIMENSIONS signed buckets, L2-normalized. Texts sharing words
 * (or word fragments) land close in cosine distance, which is all local mode needs.
 */
export function createLocalEmbedder(): Embedder {
  return {
    model: LOCAL_EMBEDDING_MODEL,
    embed: async (text, signal) => {
      signal?.throwIfAborted();
      return embedText(text);
    },
  };
}

export function embedText(text: string): number[] {
  const vector = new Float64Array(EMBEDDING_DIMENSIONS);
  const terms = contentTerms(text);
  terms.forEach((term, index) => {
    addFeature(vector, `w:${term}`, UNIGRAM_WEIGHT);
    const next = terms[index + 1];
    if (next !== undefined) addFeature(vector, `b:${term} ${next}`, BIGRAM_WEIGHT);
    const padded = `#${term}#`;
    for (let start = 0; start + 3 <= padded.length; start += 1) {
      addFeature(vector, `c:${padded.slice(start, start + 3)}`, TRIGRAM_WEIGHT);
    }
  });
  return normalize(vector);
}

function addFeature(vector: Float64Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const bucket = hash % EMBEDDING_DIMENSIONS;
  // A second, independent bit picks the sign so colliding features cancel out on average.
  const sign = (hash >>> 16) & 1 ? -1 : 1;
  vector[bucket] = (vector[bucket] ?? 0) + sign * weight;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A text without any word still needs a unit vector (cosine distance is undefined for zero). */
function normalize(vector: Float64Array): number[] {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  if (sumOfSquares === 0) vector[0] = 1;
  const norm = sumOfSquares === 0 ? 1 : Math.sqrt(sumOfSquares);
  return Array.from(vector, (value) => value / norm);
}
