import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { ADMIN_TOKEN, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from '../api/harness';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');
const LIMIT_BYTES = 1024 * 1024;
const LARGE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Loaded into the CLI's process: every 20 ms a full collection, then the ArrayBuffer memory still
 * live (streamed chunks are garbage once sent; a file read whole is not); the peak is printed at exit.
 */
const MEMORY_SAMPLER = `
let peak = 0;
const sample = () => { globalThis.gc(); peak = Math.max(peak, process.memoryUsage().arrayBuffers); };
sample();
const baseline = peak;
setInterval(sample, 20).unref();
process.on('exit', () => { sample(); process.stderr.write('ARRAYBUFFER_PEAK=' + (peak - baseline) + '\\n'); });
`;

let app: TestApp;
let workspace: string;

beforeAll(async () => {
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'backend'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`tsc -b backend failed:\n${build.stdout}${build.stderr}`);
  app = await startTestApp({ seed: false, env: { MAX_UPLOAD_FILE_BYTES: String(LIMIT_BYTES) } });
  workspace = await mkdtemp(join(tmpdir(), 'ragchat-ingest-stream-'));
  await writeFile(join(workspace, 'sampler.cjs'), MEMORY_SAMPLER);
  await mkdir(join(workspace, 'exports'));
  const out = createWriteStream(join(workspace, 'exports', 'dump.txt'));
  const block = Buffer.alloc(1024 * 1024, 'log line\n');
  for (let written = 0; written < LARGE_FILE_BYTES; written += block.length) {
    if (!out.write(block)) await new Promise<void>((done) => out.once('drain', () => done()));
  }
  out.end();
  await finished(out);
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  await app?.close();
  if (workspace !== undefined) await rm(workspace, { recursive: true, force: true });
});

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--require',
      join(workspace, 'sampler.cjs'),
      join(ROOT, 'backend/dist/cli/ingest.js'),
      ...args,
    ],
    { cwd: workspace, env: { ...process.env, INIT_CWD: workspace, BACKEND_URL: app.url, ADMIN_TOKEN } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

describe('npm run ingest with a large file', () => {
  it('streams the file into the upload instead of reading it whole, and reports the refusal', async () => {
    const run = await runCli(['exports']);
    expect(run.stdout).toContain(`exports/dump.txt: the file is larger than ${LIMIT_BYTES} bytes`);
    expect(run.code).toBe(1);
    const peak = Number(/ARRAYBUFFER_PEAK=(\d+)/.exec(run.stderr)?.[1]);
    // Read whole, the file alone stays live for the whole upload (64 MiB, twice with the body's copy).
    expect(peak).toBeLessThan(LARGE_FILE_BYTES / 4);
  });
});
