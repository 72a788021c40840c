import type { Knex } from 'knex';

export const name = '003-inline-embeddings';

/**
 * Keeps each 4 KB embedding inside its row instead of in TOAST. The planner does not count TOAST
 * reads when it prices a sequential scan, so with out-of-line vectors it scans every vector rather
 * than use HNSW on tables below roughly 20k chunks (BENCHMARKS.md: 219 ms → 12 ms p50 at 10k).
 * Applies to rows written from now on; a row still fits a page (vector + excerpt-sized text).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table chunks alter column embedding set storage plain');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table chunks alter column embedding set storage extended');
}
