#!/usr/bin/env node
/**
 * Bundles the browser code and stylesheet with esbuild (minified) and copies the page template,
 * producing everything the server loads from `dist/public` (or `--out-dir <dir>`).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const outDir = path.resolve(values['out-dir'] ?? path.join(frontendDir, 'dist/public'));

await mkdir(outDir, { recursive: true });
await build({
  entryPoints: [
    { in: path.join(frontendDir, 'src/browser/main.ts'), out: 'app' },
    { in: path.join(frontendDir, 'public/styles.css'), out: 'app' },
  ],
  outdir: outDir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  legalComments: 'none',
  logLevel: 'warning',
});
await Promise.all(
  ['index.html', 'favicon.svg'].map((file) =>
    copyFile(path.join(frontendDir, 'public', file), path.join(outDir, file)),
  ),
);
