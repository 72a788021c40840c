// Bundles every action's entry points with esbuild into <action>/dist (or under --outdir <dir>, which
// the check-dist test uses to compare a fresh build with the committed bundles).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY_POINTS = [
  'build-push-image/src/index.ts',
  'wait-for-ecr-scan/src/index.ts',
  'render-deployment/src/index.ts',
  'codedeploy-deploy/src/index.ts',
  'codedeploy-deploy/src/post.ts',
];

const outIndex = process.argv.indexOf('--outdir');
const outRoot = outIndex === -1 ? root : process.argv[outIndex + 1];
if (!outRoot) throw new Error('--outdir needs a directory');

// One build for all entry points, so the shared dependencies are parsed once.
await build({
  entryPoints: Object.fromEntries(
    ENTRY_POINTS.map((entry) => [entry.replace('/src/', '/dist/').replace(/\.ts$/, ''), join(root, entry)]),
  ),
  outdir: outRoot,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Paths in the bundle must not depend on where the build ran, or check-dist would see diffs.
  absWorkingDir: root,
  legalComments: 'none',
  // Minified bundles halve the committed dist and the time check-dist spends comparing it.
  minify: true,
  logLevel: 'warning',
});
