import type { Knex } from 'knex';

export const name = '002-corpus-embedding-model';

/**
 * One row naming the model that produced the stored embeddings: vectors from two models live in
 * different spaces, so a corpus embedded by one cannot be searched with the other.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table corpus_settings (
      singleton boolean primary key default true check (singleton),
      embedding_model text not null check (btrim(embedding_model) <> '')
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table corpus_settings');
}
