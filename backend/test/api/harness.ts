import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { type Database, type DatabaseOptions, openDatabase } from '../../src/db/database';
import { openApiDocument } from '../../src/http/openapi';
import { createUsageLimiter } from '../../src/http/usage/limiter';
import type { Generator, Providers } from '../../src/pipeline/types';
import { createLocalProviders } from '../../src/providers/local';
import { seedSampleCorpus } from '../../src/seed/seed-sample-corpus';
import { createLogger } from '../../src/service-kit/logger';
import { checkResponsesAgainst, responseConformance } from './openapi-conformance';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Starting PGlite, migrating and embedding the sample corpus takes seconds on a shared CPU. */
export const STARTUP_TIMEOUT_MS = 120_000;

export interface TestApp {
  readonly url: string;
  readonly db: Database;
  readonly config: Config;
  /** Every log line written so far, parsed. */
  logs(): Record<string, unknown>[];
  /** The raw log text, for asserting what must never be logged. */
  rawLogs(): string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment variables for loadConfig. */
  readonly env?: Record<string, string>;
  /** Replaces the local extractive answerer, keeping the local embedder. */
  readonly generator?: Generator;
  /** Replaces the local providers altogether (e.g. Bedrock against the fake). */
  readonly providers?: (config: Config) => Providers;
  /** Stores the sample corpus first (default true). */
  readonly seed?: boolean;
  /** Another database than the default in-memory PGlite (e.g. a PostgreSQL test database). */
  readonly database?: DatabaseOptions;
  /** Epoch milliseconds, for tests of day boundaries. */
  readonly now?: () => number;
}

/**
 * One app per test file: the real Koa app on an ephemeral port, over an in-memory embedded
 * database (PGlite + pgvector, the same engine and migrations as local mode). Every response the
 * file fetches from it is checked against the OpenAPI document (openapi-conformance.ts).
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config: Config = {
    ...loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'debug', ...options.env }),
    database: options.database ?? { kind: 'embedded', dataDir: 'memory://' },
  };
  const local = createLocalProviders();
  const providers: Providers = options.providers?.(config) ?? {
    ...local,
    generator: options.generator ?? local.generator,
  };
  const db = await openDatabase(config.database);
  if (options.seed ?? true) await seedSampleCorpus(db, providers.embedder);
  const lines: string[] = [];
  const logger = createLogger({ level: config.logLevel, write: (line) => lines.push(line) });
  const usage = createUsageLimiter({
    db,
    limits: config.usageLimits,
    now: options.now ?? Date.now,
    log: logger,
  });
  const app = createApp({
    config,
    db,
    providers,
    logger,
    usage,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stopChecking = checkResponsesAgainst(url, responseConformance(openApiDocument(config.limits)));
  return {
    url,
    db,
    config,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    rawLogs: () => lines.join(''),
    close: async () => {
      stopChecking();
      await closeServer(server);
      await usage.close();
      await db.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

export interface ServerSentEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** Parses a complete `text/event-stream` body into its events, in order. */
export function parseEventStream(text: string): ServerSentEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields = new Map(
        block.split('\n').map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon), line.slice(colon + 1).trimStart()] as const;
        }),
      );
      return { event: fields.get('event') ?? 'message', data: JSON.parse(fields.get('data') ?? 'null') };
    });
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Asserts the standard error shape and returns its code. */
export async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error?.message).toBe('string');
  expect(body.error?.message).not.toMatch(/\n\s+at /);
  return String(body.error?.code);
}
