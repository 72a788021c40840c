/** More terms than this add cost, not precision; a question rarely has more meaningful words. */
export const MAX_QUERY_TERMS = 16;

/** Letters or digits, optionally joined by an apostrophe, hyphen, underscore or dot (it's, e-mail, v0.8). */
const WORD = /[\p{L}\p{N}]+(?:['’_.-][\p{L}\p{N}]+)*/gu;

/**
 * The distinct words of a search query, lowercased, in order of appearance, at most MAX_QUERY_TERMS.
 * Each becomes one bounded full-text lookup; stemming and stop words are left to PostgreSQL.
 */
export function queryTerms(query: string): string[] {
  const words = (query.match(WORD) ?? []).map((word) => word.toLowerCase());
  return [...new Set(words)].slice(0, MAX_QUERY_TERMS);
}
