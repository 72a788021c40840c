import type { Knex } from 'knex';
import { createChunkTriggers, dropChunkTriggers } from './chunk-triggers';

export const name = '007-lexical-statistics';

/**
 * Shards of the statistics: a writing transaction claims one shard for itself (a transaction-level
 * advisory lock) and only ever changes that shard's rows, so parallel ingests never wait on each
 * other's counters and cannot deadlock over them, however their chunks' terms overlap. Readers sum
 * the shards; only shards some transaction has used have rows, about as many as writers ran at once.
 */
export const LEXICAL_SHARDS = 64;

/**
 * The HNSW graph is built with a candidate list of 128 instead of 64 from now on (BENCHMARKS.md,
 * finding 1): on 100k chunks it reached recall@5 0.981 at ef_search 100 where 64 needed 200 for
 * 0.965–0.98, with a faster scan, for 8% slower live inserts. The setting applies to rows inserted
 * afterwards; `REINDEX INDEX CONCURRENTLY chunks_embedding_hnsw_idx` rebuilds an existing graph.
 */
export const HNSW_EF_CONSTRUCTION = 128;

/**
 * Corpus statistics for BM25-style lexical scoring, kept by triggers on `chunks` so every path that
 * writes or deletes chunks (ingest, replacement, the cascade from a deleted document, COPY) keeps
 * them exact:
 *
 * - `lexical_term_counts`: per lexeme (as `content_tsv` stores it) and shard, how many chunks hold it
 *   (document frequency).
 * - `lexical_totals`: per shard, how many chunks exist and the sum of their distinct-lexeme counts
 *   (the average chunk length BM25 normalizes by).
 *
 * It also settles the index settings (HNSW_EF_CONSTRUCTION below). The full-text GIN index stops using its pending list (`fastupdate = off`): with it, every lookup
 * scans all entries inserted since the last vacuum, which tripled retrieval latency straight after
 * an ingest burst (BENCHMARKS.md); without it each insert updates the index directly.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table lexical_term_counts (
      term text not null,
      shard smallint not null,
      chunk_count integer not null,
      primary key (term, shard)
    )`);
  await knex.raw(`
    create table lexical_totals (
      shard smallint primary key,
      chunk_count bigint not null,
      lexeme_count bigint not null
    )`);

  // The shard this transaction writes: claimed once (try-lock the lowest free one, so few shards
  // ever get rows), remembered in a transaction-local setting. When every shard is taken the
  // transaction queues for one: it then holds no counter rows yet, so it cannot be part of a cycle.
  await knex.raw(`
    create function lexical_statistics_shard() returns smallint language plpgsql as $$
    declare
      claimed text := current_setting('ragchat.lexical_shard', true);
      candidate integer;
    begin
      if claimed is not null and claimed <> '' then
        return claimed::smallint;
      end if;
      for candidate in 0..${LEXICAL_SHARDS - 1} loop
        if pg_try_advisory_xact_lock(hashtext('ragchat:lexical-statistics'), candidate) then
          perform set_config('ragchat.lexical_shard', candidate::text, true);
          return candidate;
        end if;
      end loop;
      candidate := pg_backend_pid() % ${LEXICAL_SHARDS};
      perform pg_advisory_xact_lock(hashtext('ragchat:lexical-statistics'), candidate);
      perform set_config('ragchat.lexical_shard', candidate::text, true);
      return candidate;
    end $$`);

  await knex.raw(`
    create function lexical_statistics_record(target smallint, vectors tsvector[], direction integer)
    returns void language sql as $$
      insert into lexical_term_counts as counts (term, shard, chunk_count)
      select lexeme, target, direction * count(*)::integer
      from unnest(vectors) as changed (tsv), unnest(tsvector_to_array(changed.tsv)) as lexeme
      group by lexeme
      on conflict (term, shard) do update set chunk_count = counts.chunk_count + excluded.chunk_count;

      insert into lexical_totals as totals (shard, chunk_count, lexeme_count)
      select target, direction * count(*), direction * coalesce(sum(length(changed.tsv)), 0)
      from unnest(vectors) as changed (tsv)
      having count(*) > 0
      on conflict (shard) do update set
        chunk_count = totals.chunk_count + excluded.chunk_count,
        lexeme_count = totals.lexeme_count + excluded.lexeme_count;
    $$`);

  // Statement-level triggers: the transition tables hold every row the statement touched, so a
  // 200-row INSERT costs one grouped upsert, not 200. PL/pgSQL plans a statement only when it first
  // runs, so one function serves all three operations although each names only its own tables.
  await knex.raw(`
    create function lexical_statistics_apply() returns trigger language plpgsql as $$
    declare
      shard smallint := lexical_statistics_shard();
    begin
      if tg_op in ('INSERT', 'UPDATE') then
        perform lexical_statistics_record(shard, array(select content_tsv from added), 1);
      end if;
      if tg_op in ('DELETE', 'UPDATE') then
        perform lexical_statistics_record(shard, array(select content_tsv from removed), -1);
      end if;
      return null;
    end $$`);

  await knex.raw(`
    create function lexical_statistics_reset() returns trigger language plpgsql as $$
    begin
      delete from lexical_term_counts;
      delete from lexical_totals;
      return null;
    end $$`);
  await createChunkTriggers(knex, 'lexical_statistics', {
    apply: 'lexical_statistics_apply',
    reset: 'lexical_statistics_reset',
  });

  // Chunks stored before this migration.
  await knex.raw('select lexical_statistics_record(0::smallint, array(select content_tsv from chunks), 1)');

  // A row holds its 4 KB vector inline (migration 003), so PostgreSQL moved the text and the tsvector
  // of every chunk out of line into TOAST: scoring 200 full-text candidates read ~600 TOAST pages.
  // `main` keeps them in the row (compressed) unless the row would not fit a page. Applies to rows
  // written from now on.
  await knex.raw(
    'alter table chunks alter column content set storage main, alter column content_tsv set storage main',
  );
  await knex.raw(`alter index chunks_embedding_hnsw_idx set (ef_construction = ${HNSW_EF_CONSTRUCTION})`);
  await knex.raw('alter index chunks_content_tsv_idx set (fastupdate = off)');
  await knex.raw("select gin_clean_pending_list('chunks_content_tsv_idx'::regclass)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter index chunks_content_tsv_idx reset (fastupdate)');
  await knex.raw(
    'alter table chunks alter column content set storage extended, alter column content_tsv set storage extended',
  );
  await knex.raw('alter index chunks_embedding_hnsw_idx set (ef_construction = 64)');
  await dropChunkTriggers(knex, 'lexical_statistics');
  await knex.raw('drop function lexical_statistics_reset()');
  await knex.raw('drop function lexical_statistics_apply()');
  await knex.raw('drop function lexical_statistics_record(smallint, tsvector[], integer)');
  await knex.raw('drop function lexical_statistics_shard()');
  await knex.raw('drop table lexical_totals');
  await knex.raw('drop table lexical_term_counts');
}
