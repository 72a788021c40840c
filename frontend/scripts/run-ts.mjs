#!/usr/bin/env node
/**
 * Runs a TypeScript entry point on Node 20 (no type stripping there): esbuild bundles it to a
 * temporary CommonJS file beside the entry, dependencies stay external, and the result runs in this process.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

const [entry, ...args] = process.argv.slice(2);
if (entry === undefined) {
  console.error('usage: run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}
const entryPath = path.resolve(entry);
const outfile = path.join(path.dirname(entryPath), `.${path.basename(entryPath, '.ts')}.${process.pid}.cjs`);
await build({
  entryPoints: [entryPath],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.argv = [process.argv[0], entryPath, ...args];
process.once('exit', () => rmSync(outfile, { force: true }));
createRequire(import.meta.url)(outfile);
