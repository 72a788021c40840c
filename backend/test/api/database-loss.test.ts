import pg from 'pg';
import { POSTGRES_TIER, type TestDatabase } from '../support/database-tiers';
import { type PostgresServer, startPostgresServer } from '../support/postgres-server';
import { adminHeaders, errorCode, postJson, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

/** Nothing may hang: each answer comes well inside the request timeout. */
const ANSWER_WITHIN_MS = 5_000;

async function timed(request: Promise<Response>): Promise<Response> {
  const started = Date.now();
  const response = await request;
  expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
  return response;
}

describe('when the PostgreSQL server stops', () => {
  let server: PostgresServer;
  let app: TestApp;

  beforeAll(async () => {
    server = await startPostgresServer();
    app = await startTestApp({
      seed: false,
      database: { kind: 'postgres', connection: server.url, poolMax: 2 },
    });
    const created = await postJson(
      `${app.url}/api/documents`,
      { title: 'Quokkas', content: 'Quokkas live on Rottnest Island.' },
      adminHeaders,
    );
    expect(created.status).toBe(201);
    await server.stop();
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  it.each<[string, () => Promise<Response>]>([
    ['GET /api/stats', () => fetch(`${app.url}/api/stats`)],
    ['GET /api/documents', () => fetch(`${app.url}/api/documents`)],
    ['POST /api/query', () => postJson(`${app.url}/api/query`, { query: 'Where do quokkas live?' })],
    [
      'POST /api/query as an event stream',
      () =>
        postJson(
          `${app.url}/api/query`,
          { query: 'Where do quokkas live?' },
          { accept: 'text/event-stream' },
        ),
    ],
  ])('%s answers 503 database_unavailable with Retry-After', async (_name, request) => {
    const response = await timed(request());
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await errorCode(response)).toBe('database_unavailable');
  });

  it('reports it on /ready while /health stays up', async () => {
    const ready = await timed(fetch(`${app.url}/ready`));
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    const body = (await ready.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('not_ready');
    expect(body.error.message).toMatch(/database unreachable/);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });
});

describe('when the database kills the connections', () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await POSTGRES_TIER.createDatabase();
    app = await startTestApp({ seed: false, database: database.options });
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('recovers on fresh connections, answering 503 (never 500) for a request caught in the cut', async () => {
    expect((await fetch(`${app.url}/api/stats`)).status).toBe(200);
    const connection = database.options.kind === 'postgres' ? database.options.connection : '';
    const url = new URL(String(connection));
    const admin = new pg.Client({ connectionString: String(connection) });
    await admin.connect();
    try {
      const statuses: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [url.pathname.slice(1)],
        );
        const responses = await Promise.all(
          Array.from({ length: 4 }, () => timed(fetch(`${app.url}/api/stats`))),
        );
        statuses.push(...responses.map((response) => response.status));
      }
      expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
      expect((await fetch(`${app.url}/api/stats`)).status).toBe(200);
    } finally {
      await admin.end();
    }
  });
});
