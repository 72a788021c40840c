import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SynthesizedStack {
  readonly name: string;
  readonly template: Record<string, any>;
  /** Whether the stack ships file assets (Lambda code) that `cdk deploy` publishes first. */
  readonly hasFileAssets: boolean;
}

const memory = new Map<string, Map<string, SynthesizedStack>>();

/**
 * Synthesizes the real CDK app (infra/src/app.ts, bundled by build.mjs) with the CLI's context
 * (cdk.json and cdk.context.json) plus `extra`, as `cdk synth` would. Results are cached per
 * context in memory and on disk, keyed by the app bundle's content.
 */
export function synthesize(repoRoot: string, extra: Record<string, string>): Map<string, SynthesizedStack> {
  const infra = join(repoRoot, 'infra');
  const bundle = join(infra, 'cdk.out', 'rehearsal-app.cjs');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node actions/rehearsal/build.mjs`);
  const cdkJson = JSON.parse(readFileSync(join(infra, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const cached = JSON.parse(readFileSync(join(infra, 'cdk.context.json'), 'utf8')) as Record<string, unknown>;
  const context = { ...cdkJson.context, ...cached, ...extra };
  const key = createHash('sha256')
    .update(readFileSync(bundle))
    .update(readFileSync(join(infra, 'taskdefs', 'backend.json')))
    .update(readFileSync(join(infra, 'taskdefs', 'frontend.json')))
    .update(JSON.stringify(context))
    .digest('hex')
    .slice(0, 24);
  const hit = memory.get(key);
  if (hit) return hit;
  const cacheDir = join(infra, 'cdk.out', 'rehearsal-synth');
  const cacheFile = join(cacheDir, `${key}.json`);
  if (existsSync(cacheFile)) {
    const stacks = new Map(
      Object.entries(JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, SynthesizedStack>),
    );
    memory.set(key, stacks);
    return stacks;
  }
  const { App } = require(join(repoRoot, 'node_modules', 'aws-cdk-lib')) as typeof import('aws-cdk-lib');
  const { buildRagchatApp } = require(bundle) as { buildRagchatApp: (app: unknown) => unknown };
  const outdir = mkdtempSync(join(tmpdir(), 'rehearsal-synth-'));
  try {
    const app = new App({ context, outdir });
    buildRagchatApp(app);
    const assembly = app.synth();
    const stacks = new Map<string, SynthesizedStack>();
    for (const stack of assembly.stacks) {
      stacks.set(stack.stackName, {
        name: stack.stackName,
        template: stack.template as Record<string, any>,
        hasFileAssets: JSON.stringify(stack.template).includes('cdk-hnb659fds-assets'),
      });
    }
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(Object.fromEntries(stacks)));
    memory.set(key, stacks);
    return stacks;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
