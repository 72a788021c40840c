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

/**
 * Runs `work` on one pooled connection holding session-level advisory locks on `names`, taken in the
 * order given, for work that spans several transactions. They are released when `work` ends; should
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
    for (const name of names)
      await knex.raw('select pg_advisory_lock(hashtextextended(?, 0))', [name]).connection(connection);
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
