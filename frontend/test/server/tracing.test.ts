import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { type OtlpReceiver, startOtlpReceiver } from '../../../backend/test/support/otlp-receiver';
import { type FakeBackend, startFakeBackend } from '../support/fake-backend';
import { FRONTEND_DIR } from '../support/paths';

/** The compiled entry point (built by the jest global setup), traced as in a task with the collector. */
const MAIN = path.join(FRONTEND_DIR, 'dist/server/main.js');

let receiver: OtlpReceiver;
let backend: FakeBackend;
let frontend: ChildProcess | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  backend = await startFakeBackend();
});

afterAll(async () => {
  frontend?.kill('SIGKILL');
  await backend.close();
  await receiver.close();
});

/** Starts dist/server/main.js and resolves with its URL once it logs `listening`. */
function startTracedFrontend(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      FRONTEND_PORT: '0',
      FRONTEND_HOST: '127.0.0.1',
      BACKEND_URL: backend.url,
      OTEL_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      TRACE_SAMPLE_RATE: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  frontend = child;
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const listening = /"msg":"listening","url":"([^"]+)"/.exec(output);
      if (listening?.[1] !== undefined) {
        resolve({
          url: listening[1].replace(/\/$/, ''),
          // SIGTERM flushes the batched spans before the process exits.
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`frontend exited ${code}: ${output}`)));
  });
}

describe('frontend tracing (dist/server/main.js, local OTLP receiver)', () => {
  it('sends the X-Ray trace header of its own span to the backend and exports that span', async () => {
    const running = await startTracedFrontend();
    const before = backend.requests.length;
    expect((await fetch(`${running.url}/api/stats`)).status).toBe(200);
    await running.stop();

    const header = String(backend.requests[before]?.headers['x-amzn-trace-id'] ?? '');
    const root = /Root=1-([0-9a-f]{8})-([0-9a-f]{24})/.exec(header);
    expect(root).not.toBeNull();
    const traceId = `${root?.[1]}${root?.[2]}`;
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    expect(trace.map((span) => [span.service, span.kind])).toEqual(
      expect.arrayContaining([
        ['ragchat-frontend', 2],
        ['ragchat-frontend', 3],
      ]),
    );
  }, 60_000);
});
