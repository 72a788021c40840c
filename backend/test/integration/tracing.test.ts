import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { POSTGRES_TIER, type TestDatabase } from '../support/database-tiers';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';

const REPOSITORY_ROOT = path.resolve(__dirname, '../../..');
const BACKEND_ENTRY = path.join(REPOSITORY_ROOT, 'backend/dist/main.js');
/** An incoming ALB trace that asked for sampling: the backend must join it. */
const ALB_TRACE_ROOT = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

interface Backend {
  readonly url: string;
  readonly lines: string[];
  /** SIGTERM; resolves with the exit code once the process is gone (spans flushed). */
  stop(): Promise<number | null>;
}

/** The built backend as ECS runs it (`node backend/dist/main.js`), on the real PostgreSQL tier. */
async function startBackend(env: Record<string, string>): Promise<Backend> {
  const child: ChildProcess = spawn(process.execPath, [BACKEND_ENTRY], {
    env: {
      PATH: process.env.PATH ?? '',
      BACKEND_PORT: '0',
      BACKEND_HOST: '127.0.0.1',
      PROVIDER: 'local',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', () => reject(new Error(`backend exited before listening:\n${lines.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"msg":"listening"')) resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url,
    lines,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function ask(url: string, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: 'How does the service scale?' }),
  });
  expect(response.status).toBe(200);
  await response.text();
}

function ancestors(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const parent = spans.find((candidate) => candidate.spanId === span.parentSpanId);
  return parent === undefined ? [] : [parent, ...ancestors(parent, spans)];
}

describe('tracing (built backend, PostgreSQL, local OTLP receiver)', () => {
  let database: TestDatabase;
  let receiver: OtlpReceiver;

  beforeAll(() => {
    const tsc = spawnSync(
      process.execPath,
      [path.join(REPOSITORY_ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'backend'],
      {
        cwd: REPOSITORY_ROOT,
        encoding: 'utf8',
      },
    );
    if (tsc.status !== 0) throw new Error(`tsc -b backend failed:\n${tsc.stdout}${tsc.stderr}`);
  }, 240_000);

  beforeEach(async () => {
    database = await POSTGRES_TIER.createDatabase();
    receiver = await startOtlpReceiver();
  });

  afterEach(async () => {
    await receiver.close();
    await database.drop();
  });

  function databaseUrl(): string {
    const { options } = database;
    if (options.kind !== 'postgres' || typeof options.connection !== 'string') {
      throw new Error('the PostgreSQL tier gave no connection URL');
    }
    return options.connection;
  }

  it('exports HTTP → retrieval → PostgreSQL spans of a real query, joined to the ALB trace', async () => {
    const backend = await startBackend({
      DATABASE_URL: databaseUrl(),
      OTEL_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      TRACE_SAMPLE_RATE: '0',
    });
    await ask(backend.url, { 'x-amzn-trace-id': `Root=${ALB_TRACE_ROOT};Parent=53995c3f42cd8ad8;Sampled=1` });
    expect(await backend.stop()).toBe(0);

    const traceId = ALB_TRACE_ROOT.slice(2).replace('-', '');
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    const server = trace.find((span) => span.kind === 2 && span.attributes['http.route'] !== undefined);
    expect(server).toMatchObject({ service: 'ragchat-backend', parentSpanId: '53995c3f42cd8ad8' });
    const retrieval = trace.find((span) => span.name === 'retrieval');
    expect(retrieval && ancestors(retrieval, trace)).toContainEqual(server);
    const queries = trace.filter((span) => span.attributes['db.system.name'] === 'postgresql');
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.filter((query) => ancestors(query, trace).includes(retrieval!)).length).toBeGreaterThan(0);
    // The request log line carries the same trace, in X-Ray form.
    expect(backend.lines.some((line) => line.includes(`"traceId":"${ALB_TRACE_ROOT}"`))).toBe(true);
  }, 120_000);

  it('exports nothing and reports no error in local mode', async () => {
    const backend = await startBackend({
      DATABASE_URL: databaseUrl(),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    await ask(backend.url);
    expect(await backend.stop()).toBe(0);
    expect(receiver.spans).toEqual([]);
    expect(backend.lines.filter((line) => !line.includes('"level":"info"'))).toEqual([]);
  }, 120_000);
});
