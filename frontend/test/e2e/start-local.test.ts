import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E_SETUP_TIMEOUT_MS } from '../support/e2e-environment';

const START_LOCAL = path.resolve(__dirname, '../../scripts/start-local.mjs');
let dataDir: string;

jest.setTimeout(E2E_SETUP_TIMEOUT_MS);

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'ragchat-start-local-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

interface Launcher {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
  /** Resolves with the first output line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

function launch(): Launcher {
  const child = spawn(process.execPath, [START_LOCAL], {
    env: { ...process.env, BACKEND_PORT: '0', FRONTEND_PORT: '0', DATA_DIR: dataDir, ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  const onText = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      output.push(line);
      for (const waiter of waiters) {
        const match = waiter.pattern.exec(line);
        if (match !== null) waiter.resolve(match);
      }
    }
  };
  child.stdout.on('data', onText);
  child.stderr.on('data', onText);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const earlier = output.map((line) => pattern.exec(line)).find((match) => match !== null);
        if (earlier) return resolve(earlier);
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`start-local exited (${code}):\n${output.join('\n')}`)));
      }),
  };
}

async function refusesConnections(url: string): Promise<boolean> {
  return fetch(url).then(
    () => false,
    () => true,
  );
}

describe('start-local.mjs (npm start)', () => {
  test('starts both services, prints the URL and admin token, and stops both on SIGINT', async () => {
    const launcher = launch();
    try {
      const [, url] = await launcher.waitFor(/ragchat is ready: open (http:\/\/127\.0\.0\.1:\d+\/)$/);
      const [, backendUrl] = await launcher.waitFor(/backend \(pid \d+\) ready at (http:\/\/\S+)$/);
      await launcher.waitFor(/admin token \(generated for this run\): \S{16,}$/);

      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<label for="question"');
      const stats = await (await fetch(`${url}api/stats`)).json();
      expect(stats).toMatchObject({ documents: expect.any(Number), mode: 'local' });

      launcher.child.kill('SIGINT');
      await expect(launcher.exited).resolves.toBe(0);
      expect(await refusesConnections(url!)).toBe(true);
      expect(await refusesConnections(`${backendUrl}/health`)).toBe(true);
      expect(launcher.output.join('\n')).toMatch(/\[frontend\] .*"msg":"shutting down"/);
    } finally {
      launcher.child.kill('SIGKILL');
    }
  });

  test('stops the frontend and exits with an error when the backend dies', async () => {
    const launcher = launch();
    try {
      const [, url] = await launcher.waitFor(/ragchat is ready: open (http:\/\/\S+)$/);
      const [, backendPid] = await launcher.waitFor(/backend \(pid (\d+)\) ready/);

      process.kill(Number(backendPid), 'SIGKILL');

      await expect(launcher.exited).resolves.toBe(1);
      expect(launcher.output.join('\n')).toContain(
        '[start-local] backend exited (signal SIGKILL); stopping the rest',
      );
      expect(await refusesConnections(url!)).toBe(true);
    } finally {
      launcher.child.kill('SIGKILL');
    }
  });
});
