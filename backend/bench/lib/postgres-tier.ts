import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { type PostgresServer, startPostgresServer } from '../../test/support/postgres-server';
import { findRepoRoot } from './repo-root';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const VECTOR_CONTROL = '/usr/share/postgresql/15/extension/vector.control';

/**
 * The real PostgreSQL 15 + pgvector tier, provisioned exactly as the tests do (`.ci/provision.sh`
 * on a fresh machine, then the tests' throwaway cluster starter), plus the server sizing a
 * production instance would have: the default 128 MB of shared_buffers cannot hold a 100k × 1024
 * HNSW graph (~800 MB), and benchmarking a cache-starved server would measure the wrong thing.
 */
export const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '2GB',
  effective_cache_size: '8GB',
  max_wal_size: '8GB',
};

export interface PostgresTier {
  readonly url: string;
  readonly versions: string;
  stop(): Promise<void>;
}

export async function startPostgresTier(): Promise<PostgresTier> {
  provisionIfMissing();
  const server = await startPostgresServer();
  try {
    await applyServerSettings(server);
    return { url: server.url, versions: await readVersions(server.url), stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function provisionIfMissing(): void {
  if (existsSync(`${PG_BIN}/initdb`) && existsSync(VECTOR_CONTROL)) return;
  console.log('[bench] PostgreSQL 15 + pgvector missing: running .ci/provision.sh');
  execFileSync('bash', [join(findRepoRoot(), '.ci', 'provision.sh')], { stdio: 'inherit' });
}

/** shared_buffers only changes at server start, so set them with ALTER SYSTEM and restart in place. */
async function applyServerSettings(server: PostgresServer): Promise<void> {
  const dataDir = await withClient(server.url, async (client) => {
    for (const [name, value] of Object.entries(SERVER_SETTINGS)) {
      await client.query(`alter system set ${name} = '${value}'`);
    }
    const { rows } = await client.query<{ data_directory: string }>('show data_directory');
    return rows[0]!.data_directory;
  });
  // pg_ctl restart reuses the command line of the first start (port, socket dir, durability off).
  const log = join(dirname(dataDir), 'server.log');
  const command = [`${PG_BIN}/pg_ctl`, 'restart', '--wait', '--mode=fast', '--pgdata', dataDir, '--log', log];
  const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...command] : command;
  execFileSync(asPostgres[0]!, asPostgres.slice(1), { stdio: 'ignore', cwd: '/tmp' });
}

async function readVersions(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ server: string; vector: string | null }>(
      `select current_setting('server_version') as server,
              (select default_version from pg_available_extensions where name = 'vector') as vector`,
    );
    return `PostgreSQL ${rows[0]!.server}, pgvector ${rows[0]!.vector ?? 'missing'}`;
  });
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
