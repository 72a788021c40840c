import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_INSTALLATION, startPostgresServer } from './postgres-server';

describe('startPostgresServer on a machine that was not provisioned', () => {
  let emptyDir: string;

  beforeAll(async () => {
    emptyDir = await mkdtemp(join(tmpdir(), 'ragchat-no-pg-'));
  });

  afterAll(async () => {
    await rm(emptyDir, { recursive: true, force: true });
  });

  it('fails loudly and says how to provision when PostgreSQL is missing', async () => {
    await expect(
      startPostgresServer({
        binDir: join(emptyDir, 'bin'),
        vectorControl: DEBIAN_INSTALLATION.vectorControl,
      }),
    ).rejects.toThrow(/PostgreSQL 15 is not installed .*Run `bash \.ci\/provision\.sh`/);
  });

  it('fails loudly when pgvector is not the expected version', async () => {
    const control = join(emptyDir, 'vector.control');
    await writeFile(control, "default_version = '0.5.1'\n");
    await expect(
      startPostgresServer({ binDir: DEBIAN_INSTALLATION.binDir, vectorControl: control }),
    ).rejects.toThrow(/pgvector 0\.8\.0 is not installed for PostgreSQL 15\. Run `bash \.ci\/provision\.sh`/);
  });
});
