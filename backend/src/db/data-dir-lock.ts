import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

const LOCK_FILE = 'ragchat.lock';

/** Data directories this process holds, so a second open in the same process is refused too. */
const heldByThisProcess = new Set<string>();

/**
 * Claims `dataDir` for this process. PGlite is a single-user engine without the postmaster lock a
 * PostgreSQL server has: two engines writing the same directory corrupt it. The claim is a lock
 * file holding our pid; a file left by a process that no longer runs is taken over. Returns the
 * release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  if (heldByThisProcess.has(path)) {
    throw new Error(`${dataDir} is already open in this process`);
  }
  await claim(path, dataDir);
  heldByThisProcess.add(path);
  return async () => {
    heldByThisProcess.delete(path);
    await rm(path, { force: true });
  };
}

async function claim(path: string, dataDir: string): Promise<void> {
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
      throw new Error(`${dataDir} is in use by process ${holder}; give each running copy its own DATA_DIR`);
    }
    // Left behind by a process that is gone (or by an earlier run of a container reusing our pid).
    await rm(path, { force: true });
    await claim(path, dataDir);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return isCode(error, 'EPERM');
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && Reflect.get(error, 'code') === code;
}
