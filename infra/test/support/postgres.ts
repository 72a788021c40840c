import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

export interface ScramPostgres {
  readonly port: number;
  readonly password: string;
  stop(): Promise<void>;
}

/** True when .ci/provision.sh has installed PostgreSQL 15 here. */
export const postgresInstalled = existsSync(`${BIN}/initdb`);

const asRoot = process.getuid?.() === 0;
const asServerUser = (command: string, args: string[]) =>
  run(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, {
    cwd: tmpdir(),
  });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A throwaway PostgreSQL 15 cluster on loopback TCP that only accepts SCRAM-SHA-256 passwords, as
 * RDS does (RDS also requires TLS, which the handler's `ssl` switch covers separately).
 */
export async function startScramPostgres(): Promise<ScramPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'ragchat-infra-pg-'));
  const password = 'AdminPassw0rdForTests';
  await chmod(dir, 0o700);
  await writeFile(join(dir, 'pw'), password);
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
    await chown(join(dir, 'pw'), uid, gid);
  }
  const data = join(dir, 'data');
  await asServerUser(`${BIN}/initdb`, [
    '--pgdata',
    data,
    '--username=postgres',
    '--auth=scram-sha-256',
    `--pwfile=${join(dir, 'pw')}`,
    '--no-sync',
  ]);
  const port = await freePort();
  await asServerUser(`${BIN}/pg_ctl`, [
    'start',
    '--wait',
    '--pgdata',
    data,
    '--log',
    join(dir, 'log'),
    '--options',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`,
  ]);
  return {
    port,
    password,
    stop: async () => {
      await asServerUser(`${BIN}/pg_ctl`, ['stop', '--mode=immediate', '--pgdata', data]).catch(
        () => undefined,
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}
