import { type Database, openDatabase } from '../../src/db/database';
import { bulkLoad, type LoadTimings } from './bulk-load';
import { type BenchQuery, Corpus, DEFAULT_CORPUS } from './corpus';
import { exactTopK } from './exact-search';
import type { Sizes } from './options';
import { type PostgresTier, startPostgresTier, withClient } from './postgres-tier';
import { since } from './stats';

const QUERY_SEED = 7;
/** Exact neighbours kept per query; recall is measured at 5. */
export const RECALL_K = 5;
/** The service's default pool size (DB_POOL_MAX). */
const POOL_MAX = 10;

export interface LoadedPostgres {
  readonly tier: PostgresTier;
  readonly db: Database;
  readonly timings: LoadTimings;
}

/**
 * What several benchmarks share, built on first use and kept for the rest of the run: the corpus
 * (seconds to generate), its exact neighbours (the slowest step) and the loaded PostgreSQL cluster
 * (a minute to load and index). Nothing outlives the run: close() stops the cluster.
 */
export class BenchContext {
  private corpusCache: Corpus | undefined;
  private queriesCache: BenchQuery[] | undefined;
  private truthCache: number[][] | undefined;
  private postgresCache: Promise<LoadedPostgres> | undefined;
  private tierCache: Promise<PostgresTier> | undefined;

  constructor(readonly sizes: Sizes) {}

  corpus(): Corpus {
    if (this.corpusCache === undefined) {
      const start = performance.now();
      this.corpusCache = new Corpus({ ...DEFAULT_CORPUS, size: this.sizes.postgresChunks });
      console.log(
        `[bench] generated ${this.sizes.postgresChunks} vectors in ${(since(start) / 1000).toFixed(1)} s`,
      );
    }
    return this.corpusCache;
  }

  queries(): BenchQuery[] {
    this.queriesCache ??= this.corpus().queries(this.sizes.queries, QUERY_SEED);
    return this.queriesCache;
  }

  /** Exact top-RECALL_K corpus rows for each query (brute force in JS). */
  groundTruth(): number[][] {
    if (this.truthCache === undefined) {
      const start = performance.now();
      this.truthCache = exactTopK(this.corpus(), this.queries(), RECALL_K);
      console.log(
        `[bench] exact search for ${this.sizes.queries} queries in ${(since(start) / 1000).toFixed(1)} s`,
      );
    }
    return this.truthCache;
  }

  postgres(): Promise<LoadedPostgres> {
    this.postgresCache ??= this.startPostgres();
    return this.postgresCache;
  }

  /** The running cluster, started on first use; postgres() loads the shared corpus into it. */
  tier(): Promise<PostgresTier> {
    this.tierCache ??= startPostgresTier();
    return this.tierCache;
  }

  private async startPostgres(): Promise<LoadedPostgres> {
    // A failure leaves the cluster to close(), like every other state of the run.
    const tier = await this.tier();
    // Opening the database applies the shipped migrations: the benchmark runs on the real schema.
    const db = await openDatabase({ kind: 'postgres', connection: tier.url, poolMax: POOL_MAX });
    const corpus = this.corpus();
    console.log(`[bench] loading ${corpus.size} chunks into PostgreSQL (${tier.versions})`);
    const timings = await withClient(tier.url, (client) => bulkLoad(client, corpus));
    return { tier, db, timings };
  }

  async close(): Promise<void> {
    const loaded = await this.postgresCache?.catch(() => undefined);
    await loaded?.db.close();
    const tier = await this.tierCache?.catch(() => undefined);
    await tier?.stop();
  }
}
