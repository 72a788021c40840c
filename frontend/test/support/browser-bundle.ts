import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FRONTEND_DIR } from './paths';

const BUILD_SCRIPT = path.join(FRONTEND_DIR, 'scripts/build-browser.mjs');
let builtDir: string | undefined;

/** Runs the real browser build into a private temp dir, once per test file. */
export function browserBundleDir(): string {
  if (builtDir === undefined) {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'ragchat-bundle-'));
    execFileSync(process.execPath, [BUILD_SCRIPT, '--out-dir', outDir], { stdio: 'inherit' });
    builtDir = outDir;
  }
  return builtDir;
}
