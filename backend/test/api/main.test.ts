import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type ProcessIo } from '../../src/main';
import { EXIT_INVALID_CONFIG } from '../../src/service-kit/config-error';
import { STARTUP_TIMEOUT_MS } from './harness';

interface FakeProcess extends ProcessIo {
  readonly out: string[];
  readonly err: string[];
  readonly exits: number[];
  readonly signals: Map<NodeJS.Signals, () => void>;
  /** Resolves with the first exit code. */
  readonly exited: Promise<number>;
}

function fakeProcess(env: Record<string, string>): FakeProcess {
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const signals = new Map<NodeJS.Signals, () => void>();
  let onExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    onExit = resolve;
  });
  return {
    env,
    out,
    err,
    exits,
    signals,
    exited,
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    onSignal: (signal, handler) => signals.set(signal, handler),
    exit: (code) => {
      exits.push(code);
      onExit(code);
    },
  };
}

const lines = (chunks: string[]) =>
  chunks
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('main', () => {
  it('stops with exit code 2 and one line naming the variable when the configuration is bad', async () => {
    const io = fakeProcess({ BACKEND_PORT: 'eighty' });
    await main(io);
    expect(io.exits).toEqual([EXIT_INVALID_CONFIG]);
    expect(lines(io.err)).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'invalid configuration',
        variable: 'BACKEND_PORT',
        err: expect.objectContaining({
          name: 'ConfigError',
          message: 'BACKEND_PORT must be a whole number from 0 to 65535, got "eighty"',
        }),
      }),
    ]);
    expect(io.out).toEqual([]);
    expect(io.signals.size).toBe(0);
  });

  it('reports a start failure once and exits 1', async () => {
    const io = fakeProcess({
      BACKEND_PORT: '0',
      DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none',
      SEED_SAMPLE_CORPUS: 'false',
    });
    await main(io);
    expect(io.exits).toEqual([1]);
    const errors = lines(io.err);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'failed to start' });
    expect(lines(io.out).map((line) => line.msg)).not.toContain('listening');
  });

  describe('in local mode', () => {
    let dataDir: string;
    let io: FakeProcess;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'ragchat-main-'));
      io = fakeProcess({ BACKEND_PORT: '0', BACKEND_HOST: '127.0.0.1', DATA_DIR: dataDir });
      await main(io);
    }, STARTUP_TIMEOUT_MS);

    afterAll(() => rm(dataDir, { recursive: true, force: true }));

    it('prints the generated admin token once and a listening line with the URL', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const out = lines(io.out);
      const tokenLines = out.filter((line) => typeof line.adminToken === 'string');
      expect(tokenLines).toHaveLength(1);
      const token = String(tokenLines[0]?.adminToken);
      const listening = out.find((line) => line.msg === 'listening');
      expect(listening?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${String(listening?.url)}/health`);
      expect(health.status).toBe(200);
      const upload = await fetch(`${String(listening?.url)}/api/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Token check', content: 'The generated token works.' }),
      });
      expect(upload.status).toBe(201);
      expect(io.exits).toEqual([]);
    });

    it('shuts down on SIGTERM and exits 0', async () => {
      expect([...io.signals.keys()].sort()).toEqual(['SIGINT', 'SIGTERM']);
      io.signals.get('SIGTERM')?.();
      expect(await io.exited).toBe(0);
      expect(io.exits).toEqual([0]);
      expect(lines(io.out).map((line) => line.msg)).toEqual(
        expect.arrayContaining(['signal received', 'shutting down', 'stopped']),
      );
      expect(io.err).toEqual([]);
    });

    it(
      'refuses to serve the local corpus with another embedding model, naming both',
      async () => {
        const bedrock = fakeProcess({
          BACKEND_PORT: '0',
          DATA_DIR: dataDir,
          PROVIDER: 'bedrock',
          AWS_REGION: 'us-east-1',
          ADMIN_TOKEN: 'a-long-enough-admin-token-for-bedrock-mode',
        });
        await main(bedrock);
        try {
          expect(bedrock.exits).toEqual([1]);
          const [failure] = lines(bedrock.err);
          expect(failure).toMatchObject({ msg: 'failed to start' });
          expect(JSON.stringify(failure)).toMatch(
            /made by 'local-hash-v2'.*embeds with 'amazon\.titan-embed-text-v2:0'/,
          );
          expect(lines(bedrock.out).map((line) => line.msg)).not.toContain('listening');
        } finally {
          // Had it started after all, stop it so jest can exit.
          bedrock.signals.get('SIGTERM')?.();
        }
      },
      STARTUP_TIMEOUT_MS,
    );
  });
});
