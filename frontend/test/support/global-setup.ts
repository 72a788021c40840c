import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const REQUIRED_OUTPUTS = ['backend/dist/main.js', 'frontend/dist/server/main.js'];

/**
 * The end-to-end tests spawn the real backend (and `start-local.mjs` the built frontend) from
 * `dist`; `tsc -b` is incremental, so this costs little when the build is current and rebuilds
 * when the sources moved on. The browser bundle is rebuilt too: esbuild takes a fraction of a second.
 */
export default function globalSetup(): void {
  const tsc = run([
    path.join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-b',
    'backend',
    'frontend/src/server',
  ]);
  const missing = REQUIRED_OUTPUTS.filter((file) => !existsSync(path.join(ROOT, file)));
  if (missing.length > 0) throw new Error(`Building ${missing.join(', ')} failed:\n${tsc.output}`);
  if (tsc.status !== 0) {
    process.stderr.write(
      `warning: \`tsc -b\` reported errors; the e2e tests use what it emitted\n${tsc.output}\n`,
    );
  }
  const bundle = run([path.join(ROOT, 'frontend/scripts/build-browser.mjs')]);
  if (bundle.status !== 0) throw new Error(`Building the browser bundle failed:\n${bundle.output}`);
}

function run(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
