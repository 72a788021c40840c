import { toSql } from 'pgvector';

/**
 * A vector as pgvector's text literal, the way `toSql` formats it (what clients that send text
 * vectors pay for). `toSql` answers null only for a null input, which a Float32Array never is.
 */
export function vectorText(vector: Float32Array | readonly number[]): string {
  const text = toSql(Array.from(vector));
  if (text === null) throw new Error('pgvector toSql returned null for a vector');
  return text;
}
