import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BACKEND_ENTRY = path.join(ROOT, 'backend/dist/main.js');

/**
 * The end-to-end tests spawn the real backend from `backend/dist`; `tsc -b` is incremental, so this
 * costs little when the build is current and rebuilds when the sources moved on.
 */
export default function globalSetup(): void {
  const build = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'backend'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (!existsSync(BACKEND_ENTRY)) {
    throw new Error(`Building the backend for the e2e tests failed:\n${build.stdout}${build.stderr}`);
  }
  if (build.status !== 0) {
    process.stderr.write(
      `warning: \`tsc -b backend\` reported errors; e2e tests use what it emitted\n${build.stdout}`,
    );
  }
}
