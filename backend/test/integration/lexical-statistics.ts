import type { Database } from '../../src/db/database';

export interface LexicalStatistics {
  readonly chunks: number;
  readonly lexemes: number;
  /** Document frequency per lexeme, lexemes held by no chunk left out. */
  readonly terms: Readonly<Record<string, number>>;
}

/** What the triggers maintain (summed over shards). */
export async function storedStatistics(db: Database): Promise<LexicalStatistics> {
  const totals = await db.knex.raw<{ rows: { chunks: number; lexemes: number }[] }>(
    `select coalesce(sum(chunk_count), 0)::int as chunks, coalesce(sum(lexeme_count), 0)::int as lexemes
     from lexical_totals`,
  );
  const terms = await db.knex.raw<{ rows: { term: string; chunks: number }[] }>(
    `select term, sum(chunk_count)::int as chunks from lexical_term_counts
     group by term having sum(chunk_count) <> 0`,
  );
  return { ...totals.rows[0]!, terms: Object.fromEntries(terms.rows.map((row) => [row.term, row.chunks])) };
}

/** The same figures recomputed from the chunks themselves. */
export async function recomputedStatistics(db: Database): Promise<LexicalStatistics> {
  const totals = await db.knex.raw<{ rows: { chunks: number; lexemes: number }[] }>(
    'select count(*)::int as chunks, coalesce(sum(length(content_tsv)), 0)::int as lexemes from chunks',
  );
  const terms = await db.knex.raw<{ rows: { term: string; chunks: number }[] }>(
    `select lexeme as term, count(*)::int as chunks
     from chunks, unnest(tsvector_to_array(content_tsv)) as lexeme group by lexeme`,
  );
  return { ...totals.rows[0]!, terms: Object.fromEntries(terms.rows.map((row) => [row.term, row.chunks])) };
}
