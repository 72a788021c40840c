// Builds what the rehearsal runs outside jest into actions/rehearsal/build (git-ignored): GitHub's
// workflow parser and expression evaluator as CommonJS (the npm packages are ESM importing JSON
// without attributes, which Node 20 refuses), the stand-ins for third-party actions and tools, the
// virtual-clock preload for node children, and the `npm run rehearse` CLI.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const BUILD_DIR = join(here, 'build');

export async function buildRehearsal() {
  await build({
    entryPoints: {
      'github-actions': join(here, 'src/vendor/github-actions.ts'),
      'clock-preload': join(here, 'src/clock/preload.ts'),
      'clock-cli': join(here, 'src/clock/clock-cli.ts'),
      'stand-in': join(here, 'src/stand-ins/main.ts'),
      cli: join(here, 'src/cli.ts'),
    },
    outdir: BUILD_DIR,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The CDK libraries are loaded from node_modules at synth time, as the real app loads them.
    external: ['aws-cdk-lib', 'constructs', 'cdk-nag', 'esbuild'],
    logLevel: 'warning',
  });
  // The aws CLI fork server and its client (src/aws-cli/fork-server.ts) run under the CLI's Python.
  mkdirSync(BUILD_DIR, { recursive: true });
  for (const file of ['server.py', 'client.py'])
    copyFileSync(join(here, 'src/aws-cli', file), join(BUILD_DIR, `aws-cli-${file}`));
  // The CDK app, bundled into infra/cdk.out so that its infraPath() still finds infra/cdk.json.
  await build({
    entryPoints: { 'rehearsal-app': join(here, '../../infra/src/app.ts') },
    outdir: join(here, '../../infra/cdk.out'),
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['aws-cdk-lib', 'constructs', 'cdk-nag'],
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRehearsal();
