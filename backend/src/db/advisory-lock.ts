import type { Knex } from 'knex';

/**
 * Takes a transaction-scoped Postgres advisory lock named by `name`; it is released at commit or
 * rollback, so a crashed holder can never leave it behind. Names are hashed in SQL so the keys stay
 * readable in code and in `pg_locks` investigations.
 */
export async function lockForTransaction(trx: Knex.Transaction, name: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [name]);
}

/** The advisory lock names every instance agrees on. */
export const LOCK_NAMES = {
  migrations: 'ragchat:migrations',
  seed: 'ragchat:seed-sample-corpus',
  documentContent: (contentSha256: string) => `ragchat:document-content:${contentSha256}`,
  documentSource: (source: string) => `ragchat:document-source:${source}`,
} as const;
