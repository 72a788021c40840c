import type { Knex } from 'knex';

export const name = '009-chunk-generations';

/**
 * Lets several connections write one document's chunks, each batch committed on its own, while
 * readers still see every document either as it was or complete (BENCHMARKS.md, ingest: one
 * backend's HNSW inserts were the bound of a document's ingest).
 *
 * - Every chunk belongs to a generation of its document (`chunks.generation`, drawn from the
 *   `chunk_generations` sequence, so an abandoned generation's number is never reused), and a
 *   document shows exactly one: `documents.live_generation`. Readers keep a chunk only when
 *   `c.generation = d.live_generation`, and a document only when `d.live_generation is not null`
 *   (null: a new document whose first version is still being written).
 * - A version becomes visible in one transaction that sets the new content and `live_generation` and
 *   deletes every other generation's chunks; until then the old version stays whole.
 * - The lexical statistics (migration 007) count the chunks stored, visible or not: a document being
 *   written counts while it is written, and a failed write's chunks are deleted again (so the
 *   statistics are exact for what is visible whenever no ingest is in flight).
 *
 * Rows stored before this migration are generation 0, live.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create sequence chunk_generations as bigint start with 1');
  await knex.raw('alter table documents add column live_generation bigint');
  await knex.raw('update documents set live_generation = 0');
  await knex.raw('alter table chunks add column generation bigint not null default 0');
  await knex.raw('alter table chunks alter column generation drop default');
  await knex.raw('alter table chunks drop constraint chunks_document_id_ordinal_key');
  await knex.raw(
    'alter table chunks add constraint chunks_document_generation_ordinal_key unique (document_id, generation, ordinal)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'delete from chunks c using documents d where d.id = c.document_id and c.generation <> d.live_generation',
  );
  await knex.raw('delete from documents where live_generation is null');
  await knex.raw('alter table chunks drop constraint chunks_document_generation_ordinal_key');
  await knex.raw(
    'alter table chunks add constraint chunks_document_id_ordinal_key unique (document_id, ordinal)',
  );
  await knex.raw('alter table chunks drop column generation');
  await knex.raw('alter table documents drop column live_generation');
  await knex.raw('drop sequence chunk_generations');
}
