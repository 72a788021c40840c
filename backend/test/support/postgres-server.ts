import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PG_MAJOR = 15;
const PGVECTOR_VERSION = '0.8.0';
const PROVISION_HINT = 'Run `bash .ci/provision.sh` (it installs them with apt-get) and try again.';

/** Where the Debian packages put PostgreSQL 15 and the pgvector build from .ci/provision.sh. */
export interface PostgresInstallation {
  readonly binDir: string;
  readonly vectorControl: string;
}

export const DEBIAN_INSTALLATION: PostgresInstallation = {
  binDir: `/usr/lib/postgresql/${PG_MAJOR}/bin`,
  vectorControl: `/usr/share/postgresql/${PG_MAJOR}/extension/vector.control`,
};

/** For a server that clients outside the loopback reach (the images test's containers). */
export interface PostgresServerOptions {
  /** Extra server settings, `-c name=value` (e.g. `listen_addresses`, `ssl`, `ssl_cert_file`). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Lines appended to initdb's pg_hba.conf, which only trusts loopback connections. */
  readonly hba?: readonly string[];
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL 15 + pgvector 0.8.0 cluster on a free loopback port, in a temporary
 * directory that `stop()` removes. Durability is off (fsync, synchronous_commit, full_page_writes)
 * because the cluster lives for one test run. Postgres refuses to run as root, so when we are root
 * the server runs as the `postgres` user.
 */
export async function startPostgresServer(
  installation: PostgresInstallation = DEBIAN_INSTALLATION,
  options: PostgresServerOptions = {},
): Promise<PostgresServer> {
  assertInstalled(installation);
  const { binDir } = installation;
  const dataDir = await mkdtemp(join(tmpdir(), 'ragchat-pg-'));
  try {
    await chmod(dataDir, 0o700);
    if (runsAsRoot()) await handToPostgresUser(dataDir);
    await asServerUser(`${binDir}/initdb`, [
      '--pgdata',
      join(dataDir, 'data'),
      '--username=postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-sync',
    ]);
    if (options.hba !== undefined) {
      await appendFile(join(dataDir, 'data', 'pg_hba.conf'), `${options.hba.join('\n')}\n`);
    }
    const port = await startOnFreePort(binDir, dataDir, options.settings ?? {});
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    // If the process that started the cluster exits without calling stop() (a benchmark that throws,
    // jest's parent failing after globalSetup), the server would outlive it: stop it on exit. This
    // needs the real `process`, so start servers from globalSetup or plain Node, not inside a test.
    const stopOnExit = () => stopSync(binDir, dataDir);
    process.once('exit', stopOnExit);
    return {
      url,
      port,
      stop: async () => {
        process.off('exit', stopOnExit);
        await stop(binDir, dataDir);
      },
    };
  } catch (error) {
    await stop(binDir, dataDir);
    throw new Error(`Could not start the test PostgreSQL server: ${messageOf(error)}`, { cause: error });
  }
}

function assertInstalled({ binDir, vectorControl }: PostgresInstallation): void {
  if (!existsSync(`${binDir}/initdb`) || !existsSync(`${binDir}/pg_ctl`)) {
    throw new Error(`PostgreSQL ${PG_MAJOR} is not installed (no ${binDir}/initdb). ${PROVISION_HINT}`);
  }
  const control = existsSync(vectorControl) ? readFileSync(vectorControl, 'utf8') : '';
  if (!control.includes(`default_version = '${PGVECTOR_VERSION}'`)) {
    throw new Error(
      `pgvector ${PGVECTOR_VERSION} is not installed for PostgreSQL ${PG_MAJOR}. ${PROVISION_HINT}`,
    );
  }
}

/** The port is only free when we look; another process may take it first, so retry a few times. */
async function startOnFreePort(
  binDir: string,
  dataDir: string,
  settings: Readonly<Record<string, string>>,
): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    try {
      await asServerUser(`${binDir}/pg_ctl`, [
        'start',
        '--wait',
        '--timeout=60',
        '--pgdata',
        join(dataDir, 'data'),
        '--log',
        join(dataDir, 'server.log'),
        '--options',
        [
          `-p ${port}`,
          '-c listen_addresses=127.0.0.1',
          `-c unix_socket_directories=${dataDir}`,
          '-c fsync=off',
          '-c synchronous_commit=off',
          '-c full_page_writes=off',
          '-c max_connections=200',
          // Later settings win, so the caller's replace the defaults above.
          ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
        ].join(' '),
      ]);
      return port;
    } catch (error) {
      lastError = new Error(`${messageOf(error)}\n${serverLog(dataDir)}`);
    }
  }
  throw lastError;
}

async function stop(binDir: string, dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'data', 'postmaster.pid'))) {
    await asServerUser(`${binDir}/pg_ctl`, ['stop', '--mode=immediate', '--pgdata', join(dataDir, 'data')]);
  }
  await rm(dataDir, { recursive: true, force: true });
}

/** For the 'exit' event, where only synchronous work runs. */
function stopSync(binDir: string, dataDir: string): void {
  const command = [`${binDir}/pg_ctl`, 'stop', '--mode=immediate', '--pgdata', join(dataDir, 'data')];
  const [file, ...args] = runsAsRoot() ? ['runuser', '-u', 'postgres', '--', ...command] : command;
  try {
    execFileSync(file!, args, { stdio: 'ignore', cwd: tmpdir() });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe socket'));
      });
    });
  });
}

function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

async function handToPostgresUser(dir: string): Promise<void> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(uid.trim()), Number(gid.trim()));
}

async function asServerUser(command: string, args: readonly string[]): Promise<void> {
  const [file, fileArgs] = runsAsRoot()
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, [...args]];
  try {
    await run(file, fileArgs, { cwd: tmpdir() });
  } catch (error) {
    const stderr = typeof error === 'object' && error !== null ? Reflect.get(error, 'stderr') : undefined;
    throw new Error(
      `${command.split('/').pop()} failed: ${typeof stderr === 'string' && stderr !== '' ? stderr.trim() : messageOf(error)}`,
    );
  }
}

function serverLog(dataDir: string): string {
  const log = join(dataDir, 'server.log');
  return existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
