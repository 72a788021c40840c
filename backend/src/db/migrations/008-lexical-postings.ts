import type { Knex } from 'knex';
import { createChunkTriggers, dropChunkTriggers } from './chunk-triggers';

export const name = '008-lexical-postings';

/**
 * Impact-ordered postings for the lexical side of retrieval: one row per (lexeme, chunk holding it),
 * keyed by (term, chunk_length, chunk_id), where chunk_length is the chunk's distinct-lexeme count
 * (`length(content_tsv)`), the length BM25 normalises by.
 *
 * With binary term frequency a term's BM25 contribution falls as the chunk gets longer, so the
 * primary key's order for one term IS its BM25 order: its best N chunks are the first N entries of
 * an index-only scan, and "does chunk c of length l hold term t" is one exact index probe. Neither
 * reads `chunks`, whose rows each hold a 4 KB vector and a compressed tsvector. Two terms' entries
 * come out in the same (chunk_length, chunk_id) order, so chunks holding both are a merge join.
 *
 * Kept by statement-level triggers on `chunks` like the statistics of migration 007, so every path
 * that writes or deletes chunks (ingest, replacement, the cascade from a deleted document, COPY,
 * TRUNCATE) keeps them exact.
 *
 * The full-text GIN index goes: nothing reads it any more (retrieve.ts gathers and scores from the
 * postings, and checks quoted phrases on the few candidates' own tsvectors), and each chunk insert
 * paid for its ~50 entries in it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table lexical_postings (
      term text not null,
      chunk_length integer not null,
      chunk_id uuid not null,
      primary key (term, chunk_length, chunk_id)
    )`);

  await knex.raw(`
    create function lexical_postings_apply() returns trigger language plpgsql as $$
    begin
      if tg_op in ('DELETE', 'UPDATE') then
        delete from lexical_postings p
        using removed r, unnest(tsvector_to_array(r.content_tsv)) as lexeme
        where p.term = lexeme and p.chunk_length = length(r.content_tsv) and p.chunk_id = r.id;
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        insert into lexical_postings (term, chunk_length, chunk_id)
        select lexeme, length(a.content_tsv), a.id
        from added a, unnest(tsvector_to_array(a.content_tsv)) as lexeme;
      end if;
      return null;
    end $$`);

  await knex.raw(`
    create function lexical_postings_reset() returns trigger language plpgsql as $$
    begin
      truncate lexical_postings;
      return null;
    end $$`);
  await createChunkTriggers(knex, 'lexical_postings', {
    apply: 'lexical_postings_apply',
    reset: 'lexical_postings_reset',
  });

  // Chunks stored before this migration.
  await knex.raw(`
    insert into lexical_postings (term, chunk_length, chunk_id)
    select lexeme, length(c.content_tsv), c.id
    from chunks c, unnest(tsvector_to_array(c.content_tsv)) as lexeme`);

  await knex.raw('drop index chunks_content_tsv_idx');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'create index chunks_content_tsv_idx on chunks using gin (content_tsv) with (fastupdate = off)',
  );
  await dropChunkTriggers(knex, 'lexical_postings');
  await knex.raw('drop function lexical_postings_reset()');
  await knex.raw('drop function lexical_postings_apply()');
  await knex.raw('drop table lexical_postings');
}
