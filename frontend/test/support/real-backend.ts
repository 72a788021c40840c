import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPOSITORY_ROOT } from './paths';

/** Built by the frontend project's jest global setup (`tsc -b backend`). */
const BACKEND_ENTRY = path.join(REPOSITORY_ROOT, 'backend/dist/main.js');
const STARTUP_TIMEOUT_MS = 120_000;

export interface RealBackend {
  readonly url: string;
  readonly port: number;
  /** Undefined in local mode, where the backend makes its own and every caller is the local admin. */
  readonly adminToken: string | undefined;
  /** Every stdout/stderr line so far, for failure messages. */
  readonly output: string[];
  /** SIGTERM and wait for the process to exit. */
  stop(): Promise<void>;
  /** Starts again on the same port and data directory (after stop). */
  restart(): Promise<void>;
  /** Stops and removes the data directory. */
  dispose(): Promise<void>;
}

/**
 * The real backend (`node backend/dist/main.js`) on the embedded database in a fresh temp data
 * directory, local providers, any free port; resolves once it is listening and ready.
 */
export async function startRealBackend(
  options: {
    readonly env?: Readonly<Record<string, string>>;
    readonly port?: number;
    /** Start without an ADMIN_TOKEN, as `npm start` does. */
    readonly localMode?: boolean;
  } = {},
): Promise<RealBackend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ragchat-e2e-data-'));
  const adminToken = options.localMode ? undefined : randomBytes(24).toString('hex');
  const output: string[] = [];
  const env = options.env ?? {};
  let running = await launch({ dataDir, adminToken, port: options.port ?? 0, output, env });

  return {
    get url() {
      return running.url;
    },
    get port() {
      return running.port;
    },
    adminToken,
    output,
    stop: () => running.stop(),
    restart: async () => {
      running = await launch({ dataDir, adminToken, port: running.port, output, env });
    },
    dispose: async () => {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface LaunchOptions {
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly port: number;
  readonly output: string[];
  /** Extra environment, e.g. sign-in settings. */
  readonly env: Readonly<Record<string, string>>;
}

interface Launched {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function launch(options: LaunchOptions): Promise<Launched> {
  const child = spawn(process.execPath, [BACKEND_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      BACKEND_PORT: String(options.port),
      BACKEND_HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      PROVIDER: 'local',
      ...(options.adminToken === undefined ? {} : { ADMIN_TOKEN: options.adminToken }),
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr! }).on('line', (line) => options.output.push(line));
  const url = await waitForListening(child, options.output);
  await waitForReady(url, options.output);
  return {
    url,
    port: Number(new URL(url).port),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function waitForListening(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`backend did not start in time:\n${output.join('\n')}`));
    }, STARTUP_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`backend exited (${code ?? signal}) before listening:\n${output.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const url = listeningUrl(line);
      if (url === undefined) return;
      clearTimeout(timer);
      resolve(url);
    });
  });
}

function listeningUrl(line: string): string | undefined {
  if (!line.includes('"msg":"listening"')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'url' in parsed && typeof parsed.url === 'string') {
      return parsed.url;
    }
  } catch {
    // Not JSON after all; keep waiting.
  }
  return undefined;
}

async function waitForReady(url: string, output: string[]): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`backend never became ready:\n${output.join('\n')}`);
}
