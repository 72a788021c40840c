import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../app';
import { loadConfig } from '../../config';
import type { Database, Readiness } from '../../db/database';
import { createLocalProviders } from '../../providers/local';
import { createLogger } from '../../service-kit/logger';
import { createUsageLimiter } from '../usage/limiter';

/** The stub answers at once, so only a hanging check can reach this budget. */
const BUDGET_MS = 300;

/** The database is a stub here: /health and /ready only need its readiness answer. */
let readiness: Readiness | 'hang';
let readinessChecks: number;
let draining: boolean;
let server: Server;
let url: string;

const database: Database = {
  kind: 'embedded',
  get knex(): never {
    throw new Error('health routes must not query tables');
  },
  ping: () => Promise.resolve(),
  checkReadiness: () => {
    readinessChecks += 1;
    return readiness === 'hang' ? new Promise<Readiness>(() => undefined) : Promise.resolve(readiness);
  },
  close: () => Promise.resolve(),
};

beforeAll(async () => {
  const config = loadConfig({
    ADMIN_TOKEN: 'health-test-admin-token',
    REQUEST_TIMEOUT_MS: String(BUDGET_MS),
  });
  const logger = createLogger({ level: 'error', write: () => undefined });
  const app = createApp({
    config,
    db: database,
    providers: createLocalProviders(),
    logger,
    usage: createUsageLimiter({ db: database, limits: config.usageLimits, now: Date.now, log: logger }),
    isDraining: () => draining,
  });
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  readiness = { ready: true };
  readinessChecks = 0;
  draining = false;
});

describe('GET /health', () => {
  it('is ok without asking the database, even when it is not ready', async () => {
    readiness = { ready: false, reason: 'connection refused' };
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(readinessChecks).toBe(0);
  });
});

describe('GET /ready', () => {
  it('is ready when the database is', async () => {
    const response = await fetch(`${url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
    expect(readinessChecks).toBe(1);
  });

  it('is 503 with the reason and Retry-After when the database is not ready', async () => {
    readiness = { ready: false, reason: 'migrations pending' };
    const response = await fetch(`${url}/ready`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      error: {
        code: 'not_ready',
        message: 'The database is not ready: migrations pending',
        retryAfterSeconds: 5,
      },
    });
  });

  it('answers 504 instead of hanging when the database never answers', async () => {
    readiness = 'hang';
    const response = await fetch(`${url}/ready`);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: { code: 'timeout', message: `The request did not finish within ${BUDGET_MS} ms` },
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('is 503 while draining, without asking the database', async () => {
    draining = true;
    const response = await fetch(`${url}/ready`);
    expect(response.status).toBe(503);
    expect((await response.json()) as unknown).toMatchObject({ error: { code: 'shutting_down' } });
    expect(readinessChecks).toBe(0);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
