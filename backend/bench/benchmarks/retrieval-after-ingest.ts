import { RECALL_K } from '../lib/context';
import { Section } from '../lib/report';
import { formatMs, summarize } from '../lib/stats';
import type { Benchmark } from './benchmark';
import { RETRIEVER_BUDGET_MS, timeRetriever } from './retrieval';

/**
 * The retriever straight after the ingest benchmarks wrote their rows into the live table, before
 * any VACUUM: an index that buffers inserts (a GIN pending list, before migration 008 dropped it) makes
 * every lookup scan the buffer until a vacuum merges it, and postings pages not yet marked all-visible
 * cost index-only scans a heap visit each. Same queries and texts as the first pass of the retrieval
 * benchmark.
 */
export const retrievalAfterIngestBenchmark: Benchmark = {
  name: 'retrieval-after-ingest',
  title: `Retrieval straight after an ingest burst (no VACUUM), top ${RECALL_K}`,
  async run(context) {
    const section = new Section(this.name, this.title);
    const { db, tier } = await context.postgres();
    const queries = context.queries();
    const { rows } = await db.knex.raw<{ rows: { chunks: number; postings: number }[] }>(
      `select (select count(*)::int from chunks) as chunks,
              (select count(*)::int from lexical_postings) as postings`,
    );
    section.figure('chunks in the table', String(rows[0]?.chunks));
    section.figure('lexical postings in the table', String(rows[0]?.postings));
    const texts = queries.map((query) => query.text);
    const { latencies, cpuMsPerCall } = await timeRetriever(db, queries, texts, RETRIEVER_BUDGET_MS);
    const summary = summarize(latencies);
    section.figure(
      'retriever call (hybrid), words of the subject, first pass after the burst: p50 / p95 / p99',
      `${formatMs(summary.p50)} / ${formatMs(summary.p95)} / ${formatMs(summary.p99)} ms`,
    );
    section.figure(
      'CPU per call, PostgreSQL / benchmark process (Node)',
      `${cpuMsPerCall.postgres.toFixed(2)} / ${cpuMsPerCall.node.toFixed(2)} ms`,
    );
    return { section, environment: tier.versions };
  },
};
