import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createLocalProviders } from '../../src/providers/local';
import type { AnswerRequest } from '../../src/rag/types';
import { type RunningService, startService } from '../../src/service';
import { createLogger } from '../../src/service-kit/logger';
import { ADMIN_TOKEN, parseEventStream, STARTUP_TIMEOUT_MS } from './harness';

/** Generous so the released request always finishes first, even on a loaded machine. */
const SHUTDOWN_TIMEOUT_MS = 3000;

let dataDir: string;
let service: RunningService;
const lines: string[] = [];
const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

let releaseGate: () => void = () => undefined;
const gate = new Promise<void>((resolve) => {
  releaseGate = resolve;
});
const local = createLocalProviders();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ragchat-service-'));
  const config = loadConfig({
    ADMIN_TOKEN,
    BACKEND_HOST: '127.0.0.1',
    BACKEND_PORT: '0',
    DATA_DIR: dataDir,
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  });
  const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });
  service = await startService(config, logger, {
    providers: {
      ...local,
      generator: {
        model: 'gated',
        async *streamAnswer(request: AnswerRequest) {
          yield 'waiting ';
          if (request.question === 'hang') await new Promise(() => undefined);
          await gate;
          yield 'released';
        },
      },
      close: () => undefined,
    },
  });
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  await service.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

function ask(query: string): Promise<Response> {
  return fetch(`${service.url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
  });
}

describe('startService', () => {
  it('seeds the sample corpus and logs one listening line with the reachable URL', async () => {
    const listening = logs().filter((line) => line.msg === 'listening');
    expect(listening).toHaveLength(1);
    expect(listening[0]).toMatchObject({ url: service.url, mode: 'local', database: 'embedded' });
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(logs().find((line) => line.msg === 'sample corpus seeded')).toMatchObject({ documents: 10 });
    const stats = (await (await fetch(`${service.url}/api/stats`)).json()) as { documents: number };
    expect(stats.documents).toBe(10);
  });

  it('on shutdown finishes in-flight requests, cuts off stragglers at the deadline, then stops', async () => {
    const finishing = await ask('What is Fargate?');
    const straggling = await ask('hang');
    const finishingBody = finishing.text();
    const stragglingBody = straggling.text().then(
      (text) => ({ text, failed: false }),
      () => ({ text: '', failed: true }),
    );

    const stopped = service.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(fetch(`${service.url}/health`)).rejects.toThrow();
    releaseGate();

    const events = parseEventStream(await finishingBody);
    expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'token', 'done']);
    expect(events.at(-1)?.data).toMatchObject({ answer: 'waiting released' });

    await stopped;
    const straggler = await stragglingBody;
    expect(straggler.text).not.toContain('event: done');
    expect(logs().map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'shutting down',
        'shutdown deadline reached, closing open connections',
        'stopped',
      ]),
    );
    expect(logs().at(-1)?.msg).toBe('stopped');
  });
});
