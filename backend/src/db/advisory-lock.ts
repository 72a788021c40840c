import type { Knex } from 'knex';

/**
 * Takes transaction-scoped Postgres advisory locks named by `names`, in that order, in one round
 * trip; they are released at commit or rollback, so a crashed holder can never leave one behind.
 * Names are hashed in SQL so the keys stay readable in code and in `pg_locks` investigations.
 */
export async function lockForTransaction(trx: Knex.Transaction, ...names: readonly string[]): Promise<void> {
  await trx.raw(lockStatement('pg_advisory_xact_lock', names.length), [...names]);
}

/** One SELECT taking the locks left to right: PostgreSQL evaluates a target list in order. */
function lockStatement(lockFunction: string, count: number): string {
  return `select ${Array.from({ length: count }, () => `${lockFunction}(hashtextextended(?, 0))`).join(', ')}`;
}

/** The advisory lock names every instance agrees on. */
export const LOCK_NAMES = {
  migrations: 'ragchat:migrations',
  seed: 'ragchat:seed-sample-corpus',
  documentContent: (contentSha256: string) => `ragchat:document-content:${contentSha256}`,
  documentSource: (source: string) => `ragchat:document-source:${source}`,
} as const;

/**
 * Runs `work` on one pooled connection holding session-level advisory locks on `names`, taken in the
 * order given in one round trip, for work that spans several transactions. They are released when `work` ends; should
 * that fail, the connection is destroyed instead of returned to the pool (closing a session releases
 * its locks, as does a crash of this process).
 */
export async function withSessionLocks<T>(
  knex: Knex,
  names: readonly string[],
  work: (connection: unknown) => Promise<T>,
): Promise<T> {
  const connection: unknown = await knex.client.acquireConnection();
  try {
    if (names.length > 0)
      await knex.raw(lockStatement('pg_advisory_lock', names.length), [...names]).connection(connection);
    return await work(connection);
  } finally {
    try {
      await knex.raw('select pg_advisory_unlock_all()').connection(connection);
    } catch (error) {
      // knex's pg client destroys a connection marked disposed instead of pooling it.
      (connection as { __knex__disposed?: unknown }).__knex__disposed = error;
    }
    await knex.client.releaseConnection(connection);
  }
}
