import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { createUsageLimiter } from '../src/http/usage/limiter';
import { batchedWriter, createLogger } from '../src/service-kit/logger';
import { createFakeProviders } from './lib/fake-providers';

/**
 * The backend as the query API benchmark runs it: a child process of its own (so its RSS is its
 * own), configured from the environment like the real service, with zero-latency providers whose
 * embedder answers each benchmark query with its prepared vector. Reports its port over IPC.
 */
export interface QueryServerReady {
  readonly port: number;
}

/** The answer to the parent's `{ heap: true }` message. */
export interface HeapReport {
  readonly heapUsed: number;
  readonly heapTotal: number;
}

/** Query texts and their vectors, written by the parent as JSON. */
export interface PreparedQueries {
  readonly queries: readonly { readonly text: string; readonly vector: readonly number[] }[];
}

async function start(): Promise<void> {
  const file = process.env.BENCH_QUERIES_FILE;
  if (file === undefined) throw new Error('BENCH_QUERIES_FILE must name the prepared queries file');
  const prepared = JSON.parse(readFileSync(file, 'utf8')) as PreparedQueries;
  const vectors = new Map(prepared.queries.map((query) => [query.text, Float32Array.from(query.vector)]));
  const config = loadConfig(process.env);
  const db = await openDatabase(config.database);
  const output = batchedWriter(process.stdout);
  const logger = createLogger({ level: config.logLevel, write: output.write });
  const usage = createUsageLimiter({ db, limits: config.usageLimits, now: Date.now, log: logger });
  const app = createApp({
    config,
    db,
    providers: createFakeProviders((text) => {
      const vector = vectors.get(text);
      if (vector === undefined) throw new Error(`no prepared vector for query "${text}"`);
      return vector;
    }, 0),
    logger,
    usage,
  });
  const server = createServer(app.callback());
  server.listen(config.server.port, config.server.host, () => {
    const ready: QueryServerReady = { port: (server.address() as AddressInfo).port };
    process.send?.(ready);
  });
  process.on('message', () => {
    const { heapUsed, heapTotal } = process.memoryUsage();
    process.send?.({ heapUsed, heapTotal } satisfies HeapReport);
  });
  process.once('SIGTERM', () => {
    server.close(() => {
      void usage
        .close()
        .then(() => db.close())
        .finally(() => {
          output.flush();
          process.exit(0);
        });
    });
    server.closeAllConnections();
  });
}

start().catch((error: unknown) => {
  console.error('[query-server] failed to start:', error);
  process.exit(1);
});
