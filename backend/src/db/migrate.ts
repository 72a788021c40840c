import type { Knex } from 'knex';
import { LOCK_NAMES, lockForTransaction } from './advisory-lock';
import { LATEST_MIGRATION, migrationSource } from './migrations';

export const MIGRATIONS_TABLE = 'knex_migrations';

/**
 * Creates the `vector` extension and applies pending migrations in one transaction under an advisory
 * lock. Knex's own lock table cannot protect a fresh database (two instances race to create that
 * very table), so instances starting together queue on the advisory lock instead; whoever comes
 * second finds nothing left to do. Returns the names of the migrations this call applied.
 */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  return knex.transaction(async (trx) => {
    await lockForTransaction(trx, LOCK_NAMES.migrations);
    await trx.raw('create extension if not exists vector');
    const [, applied]: [number, string[]] = await trx.migrate.latest({
      migrationSource,
      tableName: MIGRATIONS_TABLE,
    });
    return applied;
  });
}

/** True when the newest migration has been applied (the schema this code expects exists). */
export async function isSchemaCurrent(knex: Knex): Promise<boolean> {
  const tableExists = await knex.schema.hasTable(MIGRATIONS_TABLE);
  if (!tableExists) return false;
  const row = await knex(MIGRATIONS_TABLE).where({ name: LATEST_MIGRATION }).first('id');
  return row !== undefined;
}
