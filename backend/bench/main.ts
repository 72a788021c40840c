import { join } from 'node:path';
import type { Benchmark } from './benchmarks/benchmark';
import { ingestCliBenchmark } from './benchmarks/ingest-cli';
import { ingestDatabaseBenchmark } from './benchmarks/ingest-database';
import { ingestEndToEndBenchmark } from './benchmarks/ingest-end-to-end';
import { pgliteBenchmark } from './benchmarks/pglite';
import { queryApiBenchmark } from './benchmarks/query-api';
import { relevanceBenchmark } from './benchmarks/relevance';
import { retrievalBenchmark } from './benchmarks/retrieval';
import { retrievalAfterIngestBenchmark } from './benchmarks/retrieval-after-ingest';
import { BenchContext } from './lib/context';
import { describeMachine, loadAverage } from './lib/machine';
import { replaceSection } from './lib/markdown-file';
import { FULL_SIZES, parseOptions, QUICK_SIZES } from './lib/options';
import { findRepoRoot } from './lib/repo-root';

/**
 * Suite order matters: retrieval measures the freshly loaded table before the ingest runs add to it,
 * retrieval-after-ingest the table they leave (before the query API benchmark vacuums it).
 */
const SUITE: readonly Benchmark[] = [
  relevanceBenchmark,
  retrievalBenchmark,
  ingestDatabaseBenchmark,
  ingestEndToEndBenchmark,
  ingestCliBenchmark,
  retrievalAfterIngestBenchmark,
  queryApiBenchmark,
  pgliteBenchmark,
];

async function main(): Promise<void> {
  const options = parseOptions(
    process.argv.slice(2),
    process.env,
    SUITE.map((benchmark) => benchmark.name),
  );
  const selected = SUITE.filter((b) => options.only.length === 0 || options.only.includes(b.name));
  const context = new BenchContext(options.quick ? QUICK_SIZES : FULL_SIZES);
  // An interrupted run still stops its PostgreSQL cluster (it lives in a temporary directory).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void context.close().finally(() => process.exit(130));
    });
  }
  const machine = describeMachine();
  const command = `npm run bench${options.quick ? ' -- --quick' : ''}${options.only.length > 0 ? ` (only ${options.only.join(', ')})` : ''}`;
  console.log(
    `[bench] ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.cpuModel}, Node ${machine.node}; load ${loadAverage()}`,
  );
  try {
    for (const benchmark of selected) {
      const load = loadAverage();
      const startedAt = new Date().toISOString().slice(0, 16).replace('T', ' ');
      console.log(`\n[bench] ${benchmark.name}: ${benchmark.title} (load average ${load})`);
      const { section, environment } = await benchmark.run(context);
      if (options.quick) continue;
      const runContext = [
        `Run ${startedAt} UTC with \`${command}\` on ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB,`,
        `Node ${machine.node}, ${environment}; 1/5/15-minute load average at start ${load}.`,
      ].join(' ');
      replaceSection(BENCHMARKS_FILE, benchmark.name, section.toMarkdown(runContext));
    }
    console.log(
      options.quick
        ? '\n[bench] quick mode: BENCHMARKS.md left as it was'
        : `\n[bench] figures written to ${BENCHMARKS_FILE}`,
    );
  } finally {
    await context.close();
  }
}

const BENCHMARKS_FILE = join(findRepoRoot(), 'BENCHMARKS.md');

main().catch((error: unknown) => {
  console.error('[bench] failed:', error);
  process.exitCode = 1;
});
