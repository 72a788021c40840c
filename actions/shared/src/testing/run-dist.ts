import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorsIn, parseFileCommands } from './action-env';

export interface DistRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly state: Record<string, string>;
  readonly errors: string[];
}

export interface DistOptions {
  readonly inputs: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
  /** STATE_* values for a post step. */
  readonly state?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Called with the child once it prints `line`; used to deliver signals at a known point. */
  readonly onLine?: { readonly text: string; readonly action: (child: ReturnType<typeof spawn>) => void };
}

/** Runs a bundled action with `node <file>` as the runner does, with fake credentials and no real AWS. */
export async function runDist(file: string, options: DistOptions): Promise<DistRun> {
  const dir = mkdtempSync(join(tmpdir(), 'dist-run-'));
  for (const name of ['output', 'summary', 'state']) writeFileSync(join(dir, name), '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_STATE: join(dir, 'state'),
    AWS_ACCESS_KEY_ID: 'AKIDFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Keeps the SDK from waiting on its retry backoff when a test fakes a throttle.
    AWS_MAX_ATTEMPTS: '1',
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  const child = spawn(process.execPath, [file], {
    env,
    cwd: options.cwd ?? dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let delivered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.onLine && !delivered && stdout.includes(options.onLine.text)) {
      delivered = true;
      options.onLine.action(child);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const run = {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(join(dir, 'output'), 'utf8')),
    summary: readFileSync(join(dir, 'summary'), 'utf8'),
    state: parseFileCommands(readFileSync(join(dir, 'state'), 'utf8')),
    errors: errorsIn(stdout),
  };
  rmSync(dir, { recursive: true, force: true });
  return run;
}
