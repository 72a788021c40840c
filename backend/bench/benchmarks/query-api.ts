import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { withClient } from '../lib/postgres-tier';
import { childrenCpuDelta, childrenCpuMs, cpuMs, parentOf } from '../lib/process-cpu';
import { atLeast, atMost, Section } from '../lib/report';
import { since } from '../lib/stats';
import type { HeapReport, PreparedQueries, QueryServerReady } from '../query-server';
import type { Benchmark } from './benchmark';

const CONNECTIONS = 64;
const WARM_UP_SECONDS = 3;
const RSS_SAMPLE_MS = 1000;
/**
 * The V8 heap the backend has in its production task (2 GiB, PROD_SIZE in
 * infra/src/config/environments.ts). Node sizes V8's heap from the memory the process sees (the
 * cgroup limit, else physical memory): an old space of half of it and semi-spaces of 1/128 of that,
 * so 1 GiB and 8 MiB for 2 GiB. Left to size itself from this 24 GiB machine, the backend would get
 * 4 GiB and 16 MiB, and V8 lets a heap that may grow to 2 GiB or more grow up to 4× its live size
 * between mark-compacts (1.3–2× below): the RSS figures would be this machine's, not the service's.
 */
const PRODUCTION_TASK_HEAP = ['--max-old-space-size=1024', '--max-semi-space-size=8'];

/**
 * POST /api/query over HTTP against the backend in a child process (zero-latency providers, the
 * loaded PostgreSQL tier), 64 connections kept busy by autocannon.
 */
export const queryApiBenchmark: Benchmark = {
  name: 'api',
  title: `Query API (POST /api/query, ${CONNECTIONS} connections, zero-latency providers)`,
  async run(context) {
    const section = new Section(this.name, this.title);
    const { tier } = await context.postgres();
    const queries = context.queries();
    const dir = await mkdtemp(join(tmpdir(), 'ragchat-bench-api-'));
    const prepared: PreparedQueries = {
      queries: queries.map((query) => ({ text: query.text, vector: Array.from(query.vector) })),
    };
    const file = join(dir, 'queries.json');
    await writeFile(file, JSON.stringify(prepared));
    // The ingest benchmarks leave ~27k fresh rows, enough to trigger autovacuum, whose pass over the
    // HNSW index would otherwise run during (and inflate) this measurement; vacuum first instead.
    const vacuumStart = performance.now();
    await withClient(tier.url, (client) => client.query('vacuum analyze chunks'));
    section.figure('VACUUM ANALYZE chunks before the load', `${(since(vacuumStart) / 1000).toFixed(1)} s`);
    const server = await startServer(tier.url, file);
    try {
      const url = `http://127.0.0.1:${server.port}/api/query`;
      const bodies = queries.map((query) => JSON.stringify({ query: query.text, topK: 5 }));
      await load(url, bodies, WARM_UP_SECONDS); // JIT, pool connections, buffer cache
      const postmaster = await withClient(tier.url, async (client) => {
        const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
        return parentOf(rows[0]!.pid);
      });
      const heapBefore = await heapOf(server.child);
      const rssBefore = residentMiB(server.child);
      // Sampled through the load, to tell a heap settling at its working size from a leak.
      const rssSamples: number[] = [];
      const sampler = setInterval(() => rssSamples.push(residentMiB(server.child)), RSS_SAMPLE_MS);
      const cpuBefore = {
        node: cpuMs(server.child.pid!),
        postgres: childrenCpuMs(postmaster),
        bench: process.cpuUsage(),
      };
      let result: autocannon.Result;
      try {
        result = await load(url, bodies, context.sizes.apiSeconds);
      } finally {
        clearInterval(sampler);
      }
      const benchCpu = process.cpuUsage(cpuBefore.bench);
      const perRequest = (ms: number) => (ms / Math.max(1, result.requests.total)).toFixed(2);
      const cpu = {
        node: perRequest(cpuMs(server.child.pid!) - cpuBefore.node),
        postgres: perRequest(childrenCpuDelta(cpuBefore.postgres, childrenCpuMs(postmaster))),
        bench: perRequest((benchCpu.user + benchCpu.system) / 1000),
      };
      const rssAfter = residentMiB(server.child);
      const heapAfter = await heapOf(server.child);
      const rssHalfway = rssSamples[Math.floor(rssSamples.length / 2)] ?? rssBefore;
      const errors = result.errors + result.timeouts + result.non2xx;
      section.figure('duration', `${result.duration.toFixed(0)} s, ${result.requests.total} requests`);
      section.figure(
        'requests/s (mean)',
        result.requests.average.toFixed(0),
        atLeast(result.requests.average, 500, 'req/s'),
      );
      // With no completed request autocannon reports 0 ms latencies, which must not count as met.
      const completed = result.requests.total > 0;
      const latency = (ms: number) => (completed ? `${ms} ms` : 'no request completed');
      section.figure('latency p50', latency(result.latency.p50));
      section.figure('latency p99', latency(result.latency.p99), {
        ...atMost(result.latency.p99, 100, 'ms'),
        met: completed && result.latency.p99 <= 100,
      });
      section.figure('errors (connection errors + timeouts + non-2xx)', String(errors), atMost(errors, 0));
      section.figure(
        'CPU per request: backend Node / PostgreSQL / load generator',
        `${cpu.node} / ${cpu.postgres} / ${cpu.bench} ms`,
      );
      section.figure(
        'backend RSS before → after the load',
        `${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB`,
      );
      section.figure(
        'backend RSS growth',
        `${(rssAfter - rssBefore).toFixed(1)} MiB`,
        atMost(rssAfter - rssBefore, 50, 'MiB'),
      );
      section.figure(
        'backend RSS growth over the second half of the load (peak)',
        `${(rssAfter - rssHalfway).toFixed(1)} MiB (${Math.max(rssAfter, ...rssSamples).toFixed(0)} MiB)`,
      );
      section.figure(
        'backend V8 heap used / total before → after the load',
        `${heapBefore.used.toFixed(0)} / ${heapBefore.total.toFixed(0)} → ${heapAfter.used.toFixed(0)} / ${heapAfter.total.toFixed(0)} MiB`,
      );
    } finally {
      await stopServer(server.child);
      await rm(dir, { recursive: true, force: true });
    }
    return {
      section,
      environment: `${tier.versions}, backend pool DB_POOL_MAX = 10, backend V8 heap as in its 2 GiB production task (${PRODUCTION_TASK_HEAP.join(' ')}), info-level logs to /dev/null`,
    };
  },
};

async function startServer(databaseUrl: string, queriesFile: string) {
  // The bundler puts query-server.cjs next to this bundle (see the bench script in package.json).
  const child = fork(join(__dirname, 'query-server.cjs'), [], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      BACKEND_HOST: '127.0.0.1',
      BACKEND_PORT: '0',
      SEED_SAMPLE_CORPUS: 'false',
      ADMIN_TOKEN: 'bench-admin-token-not-used',
      BENCH_QUERIES_FILE: queriesFile,
      // The usage limits stay on, as deployed (every question is counted in PostgreSQL), but far
      // above what the load asks of its one caller (every request comes from 127.0.0.1).
      QUERIES_PER_DAY: '10000000',
      GENERATED_TOKENS_PER_DAY: '1000000000',
    },
    execArgv: PRODUCTION_TASK_HEAP,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the query server exited with code ${code} before listening`);
    }),
  ])) as [QueryServerReady];
  return { child, port: message.port };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function load(url: string, bodies: readonly string[], seconds: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }),
      },
    ],
  });
}

/** The child's V8 heap (used and total), in MiB, asked over IPC (see query-server.ts). */
async function heapOf(child: ChildProcess): Promise<{ used: number; total: number }> {
  const answer = once(child, 'message') as Promise<[HeapReport]>;
  child.send({ heap: true });
  const [report] = await answer;
  return { used: report.heapUsed / 1048576, total: report.heapTotal / 1048576 };
}

/** Resident set size of the child, from /proc (Linux), in MiB. */
function residentMiB(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`could not read VmRSS of process ${child.pid}`);
  return Number(kib) / 1024;
}
