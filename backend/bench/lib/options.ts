/**
 * Command line: `npm run bench [-- [--quick] [name ...]]`. Environment variables do the same for
 * callers that cannot pass arguments through npm (`BENCH_QUICK=1`, `BENCH_ONLY=retrieval,api`);
 * `npm run bench -- --quick` from the repository root reaches us as npm's `npm_config_quick`,
 * because the root script forwards it to a nested `npm run` that parses it as an npm option.
 */
export interface BenchOptions {
  readonly quick: boolean;
  /** Benchmark names to run, in suite order; empty means all. */
  readonly only: readonly string[];
}

export interface Sizes {
  /** Chunks loaded into the real PostgreSQL tier (retrieval, ingest and API benchmarks run on it). */
  readonly postgresChunks: number;
  readonly queries: number;
  /** Chunks ingested by each ingest benchmark (on top of the loaded table). */
  readonly ingestChunks: number;
  readonly apiSeconds: number;
  readonly pgliteChunks: number;
  readonly pgliteQueries: number;
  /** The generated corpus of the relevance benchmark (local embedder, real PostgreSQL). */
  readonly relevanceChunks: number;
  readonly relevanceQuestions: number;
}

export const FULL_SIZES: Sizes = {
  postgresChunks: 100_000,
  queries: 500,
  ingestChunks: 2_000,
  apiSeconds: 30,
  pgliteChunks: 10_000,
  pgliteQueries: 200,
  relevanceChunks: 10_000,
  relevanceQuestions: 300,
};

export const QUICK_SIZES: Sizes = {
  postgresChunks: 10_000,
  queries: 200,
  ingestChunks: 500,
  apiSeconds: 5,
  pgliteChunks: 2_000,
  pgliteQueries: 100,
  relevanceChunks: 2_000,
  relevanceQuestions: 100,
};

export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  known: readonly string[],
): BenchOptions {
  const quick = argv.includes('--quick') || isTrue(env.BENCH_QUICK) || isTrue(env.npm_config_quick);
  const unknownFlags = argv.filter((arg) => arg.startsWith('--') && arg !== '--quick');
  if (unknownFlags.length > 0)
    throw new Error(`Unknown option ${unknownFlags.join(', ')}; only --quick exists`);
  const named = [
    ...argv.filter((arg) => !arg.startsWith('--')),
    ...(env.BENCH_ONLY ?? '').split(',').filter((name) => name.trim() !== ''),
  ].map((name) => name.trim());
  const unknown = named.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`Unknown benchmark ${unknown.join(', ')}; choose from ${known.join(', ')}`);
  }
  return { quick, only: known.filter((name) => named.includes(name)) };
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}
