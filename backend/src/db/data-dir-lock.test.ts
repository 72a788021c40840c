import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock';

describe('lockDataDir', () => {
  let dataDir: string;
  const lockFile = () => join(dataDir, 'ragchat.lock');

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ragchat-lock-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('claims the directory with our pid and gives it back on release', async () => {
    const release = await lockDataDir(dataDir);
    expect(await readFile(lockFile(), 'utf8')).toBe(String(process.pid));
    await release();
    await expect(readFile(lockFile(), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a second claim in the same process until the first is released', async () => {
    const release = await lockDataDir(dataDir);
    await expect(lockDataDir(dataDir)).rejects.toThrow(`${dataDir} is already open in this process`);
    await release();
    const again = await lockDataDir(dataDir);
    await again();
  });

  it('refuses a directory held by another running process, and leaves its lock alone', async () => {
    await writeFile(lockFile(), String(process.ppid));
    await expect(lockDataDir(dataDir)).rejects.toThrow(
      `${dataDir} is in use by process ${process.ppid}; give each running copy its own DATA_DIR`,
    );
    expect(await readFile(lockFile(), 'utf8')).toBe(String(process.ppid));
  });

  it('takes over a lock left by a process that has exited', async () => {
    const exited = spawnSync('true');
    await writeFile(lockFile(), String(exited.pid));
    const release = await lockDataDir(dataDir);
    expect(await readFile(lockFile(), 'utf8')).toBe(String(process.pid));
    await release();
  });
});
