import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
import { registerTypes } from 'pgvector/pg';
import { lockDataDir } from './data-dir-lock';
import { isSchemaCurrent, migrateToLatest } from './migrate';
import { PgliteSocket } from './pglite-wire';
import { SESSION_SETTINGS_SQL } from './session-settings';

export type DatabaseOptions =
  /** PGlite (Postgres compiled to WebAssembly) persisted in `dataDir`; `memory://` keeps it in memory. */
  | { kind: 'embedded'; dataDir: string }
  /** A PostgreSQL server through a pool of at most `poolMax` connections. */
  | { kind: 'postgres'; connection: string | Knex.PgConnectionConfig; poolMax: number };

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface Database {
  readonly knex: Knex;
  readonly kind: 'embedded' | 'postgres';
  /** Resolves when the database answers a query; rejects otherwise. */
  ping(): Promise<void>;
  /** For `/ready`: the database answers AND the newest migration is applied. Never throws. */
  checkReadiness(): Promise<Readiness>;
  /** Closes the pool (and the embedded engine). Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens the database the service runs on: creates the `vector` extension and applies migrations
 * under an advisory lock (see migrate.ts), then returns a pool whose connections know the pgvector
 * types and carry the HNSW session settings.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  switch (options.kind) {
    case 'embedded':
      return openEmbedded(options.dataDir);
    case 'postgres':
      return openPostgres(options.connection, options.poolMax);
  }
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  let release = async () => {};
  let pglite: PGlite;
  try {
    if (!inMemory) {
      await mkdir(dataDir, { recursive: true });
      release = await lockDataDir(dataDir);
    }
    pglite = await PGlite.create(dataDir, { extensions: { vector } });
  } catch (error) {
    await release();
    throw new Error(`Could not open the embedded database in ${dataDir}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const closeEngine = () => pglite.close().finally(release);
  // PGlite is one single-user backend: every knex pool over it holds exactly one connection.
  const connect = () => ({ user: 'postgres', database: 'postgres', stream: () => new PgliteSocket(pglite) });
  try {
    await migrate(knexFactory({ client: 'pg', connection: connect(), pool: { min: 0, max: 1 } }));
  } catch (error) {
    await closeEngine();
    throw new Error(`Could not migrate the embedded database in ${dataDir}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  // The one backend session outlives the pool's connections: one opened anew (after the pool
  // reaped an idle one) must not find the statements an earlier one prepared.
  const sessionSettings = `deallocate all; ${SESSION_SETTINGS_SQL}`;
  const knex = knexFactory({ client: 'pg', connection: connect(), pool: servingPool(1, sessionSettings) });
  return wrap(knex, 'embedded', closeEngine);
}

async function openPostgres(
  connection: string | Knex.PgConnectionConfig,
  poolMax: number,
): Promise<Database> {
  if (!Number.isInteger(poolMax) || poolMax < 1) {
    throw new RangeError(`poolMax must be a positive integer, got ${poolMax}`);
  }
  try {
    await migrate(knexFactory({ client: 'pg', connection, pool: { min: 0, max: 1 } }));
  } catch (error) {
    throw new Error(`Could not migrate the PostgreSQL database: ${messageOf(error)}`, { cause: error });
  }
  const knex = knexFactory({ client: 'pg', connection, pool: servingPool(poolMax, SESSION_SETTINGS_SQL) });
  return wrap(knex, 'postgres', async () => {});
}

/**
 * Migrations run on a short-lived pool of their own: the serving pool registers the pgvector types
 * when it opens a connection, which only works once the extension exists.
 */
async function migrate(knex: Knex): Promise<void> {
  try {
    await migrateToLatest(knex);
  } finally {
    await knex.destroy();
  }
}

/** A pool whose every new connection runs `sessionSettings` and learns the pgvector types. */
function servingPool(max: number, sessionSettings: string): Knex.PoolConfig {
  return {
    min: 0,
    max,
    afterCreate: (connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) => {
      connection
        .query(sessionSettings)
        .then(() => registerTypes(connection))
        .then(
          () => done(null, connection),
          (error: Error) => done(error, connection),
        );
    },
  };
}

function wrap(knex: Knex, kind: Database['kind'], closeEngine: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  const ping = async () => {
    await knex.raw('select 1');
  };
  return {
    knex,
    kind,
    ping,
    async checkReadiness() {
      try {
        await ping();
        return (await isSchemaCurrent(knex))
          ? { ready: true }
          : { ready: false, reason: 'database migrations have not been applied' };
      } catch (error) {
        return { ready: false, reason: `database unreachable: ${messageOf(error)}` };
      }
    },
    close() {
      closing ??= knex.destroy().then(closeEngine);
      return closing;
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
