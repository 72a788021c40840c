import { type PostgresServer, startPostgresServer } from './postgres-server';

declare global {
  /** Set by global-setup.ts, stopped by global-teardown.ts (both run in jest's parent process). */
  var ragchatTestPostgres: PostgresServer | undefined;
}

/**
 * Starts the PostgreSQL 15 + pgvector tier once per jest run and hands its URL to the test workers
 * through TEST_DATABASE_URL (workers inherit the parent's environment). Fails the run when PostgreSQL
 * is missing: the real-database tier is never skipped silently.
 */
export default async function globalSetup(): Promise<void> {
  const server = await startPostgresServer();
  globalThis.ragchatTestPostgres = server;
  process.env.TEST_DATABASE_URL = server.url;
}
