import type { Knex } from 'knex';

/**
 * The statement-level triggers that keep a table derived from `chunks` exact on every path that
 * writes or deletes chunks (ingest, replacement, the cascade from a deleted document, COPY,
 * TRUNCATE): `apply` sees the changed rows as the transition tables `added` and `removed`, `reset`
 * empties the derived table after a TRUNCATE. Triggers are named `chunks_<name>_<event>`.
 */
export async function createChunkTriggers(
  knex: Knex,
  name: string,
  functions: { readonly apply: string; readonly reset: string },
): Promise<void> {
  await knex.raw(`
    create trigger chunks_${name}_insert after insert on chunks
    referencing new table as added
    for each statement execute function ${functions.apply}()`);
  await knex.raw(`
    create trigger chunks_${name}_update after update on chunks
    referencing old table as removed new table as added
    for each statement execute function ${functions.apply}()`);
  await knex.raw(`
    create trigger chunks_${name}_delete after delete on chunks
    referencing old table as removed
    for each statement execute function ${functions.apply}()`);
  await knex.raw(`
    create trigger chunks_${name}_truncate after truncate on chunks
    for each statement execute function ${functions.reset}()`);
}

export async function dropChunkTriggers(knex: Knex, name: string): Promise<void> {
  for (const event of ['truncate', 'delete', 'update', 'insert']) {
    await knex.raw(`drop trigger chunks_${name}_${event} on chunks`);
  }
}
