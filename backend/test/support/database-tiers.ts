import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, type DatabaseOptions, openDatabase } from '../../src/db/database';

/** A fresh, empty database of one tier; open it with openDatabase(options) as often as needed. */
export interface TestDatabase {
  readonly options: DatabaseOptions;
  drop(): Promise<void>;
}

export interface DatabaseTier {
  readonly label: string;
  readonly kind: DatabaseOptions['kind'];
  createDatabase(): Promise<TestDatabase>;
}

export const EMBEDDED_TIER: DatabaseTier = {
  label: 'embedded PGlite',
  kind: 'embedded',
  async createDatabase() {
    const parent = await mkdtemp(join(tmpdir(), 'ragchat-pglite-'));
    // A directory that does not exist yet: openDatabase must create it.
    return {
      options: { kind: 'embedded', dataDir: join(parent, 'data') },
      drop: () => rm(parent, { recursive: true, force: true }),
    };
  },
};

export const POSTGRES_TIER: DatabaseTier = {
  label: 'PostgreSQL 15',
  kind: 'postgres',
  async createDatabase() {
    const serverUrl = testDatabaseUrl();
    const name = `ragchat_test_${randomBytes(6).toString('hex')}`;
    await asAdmin(serverUrl, `create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      options: { kind: 'postgres', connection: url.toString(), poolMax: 5 },
      drop: () => asAdmin(serverUrl, `drop database if exists ${name} with (force)`),
    };
  },
};

/** Opening PGlite runs initdb in WebAssembly: seconds, not milliseconds, on a busy machine. */
export const OPEN_TIMEOUT_MS = 60_000;

/**
 * A fresh database of `tier`, opened (and so migrated) before the enclosing describe block's tests
 * and closed and dropped after them.
 */
export function useMigratedDatabase(tier: DatabaseTier): { readonly db: Database } {
  let testDatabase: TestDatabase | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    testDatabase = await tier.createDatabase();
    db = await openDatabase(testDatabase.options);
  }, OPEN_TIMEOUT_MS);
  afterAll(async () => {
    await db?.close();
    await testDatabase?.drop();
  }, OPEN_TIMEOUT_MS);
  return {
    get db() {
      if (db === undefined) throw new Error('The test database is opened in beforeAll');
      return db;
    },
  };
}

/** Every tier the data layer supports; integration suites run once per entry. */
export const DATABASE_TIERS: readonly [string, DatabaseTier][] = [
  [EMBEDDED_TIER.label, EMBEDDED_TIER],
  [POSTGRES_TIER.label, POSTGRES_TIER],
];

function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === '') {
    throw new Error(
      'TEST_DATABASE_URL is not set. The backend jest project starts PostgreSQL in its globalSetup ' +
        '(backend/jest.config.js); run the tests through jest from the repository root.',
    );
  }
  return url;
}

async function asAdmin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
