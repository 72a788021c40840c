import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/database';
import { DEFAULT_EMBEDDING_CONCURRENCY } from '../../src/ingest/ingest-document';
import { embedText } from '../../src/providers/local/embedder';
import { retrieve } from '../../src/retrieval/retrieve';
import { createFakeEmbedder, FreshVectorSupply } from '../lib/fake-providers';
import { chunkCount, runIngest } from '../lib/ingest-run';
import { atMost, Section } from '../lib/report';
import { formatMs, since, summarize } from '../lib/stats';
import type { Benchmark } from './benchmark';

const PARAGRAPHS_PER_DOCUMENT = 10;

/**
 * The embedded default (PGlite with pgvector, persisted on disk, one connection): how fast a laptop
 * install ingests and answers. A fake embedder keeps the database's share apart from the local
 * embedder's, which is measured on its own.
 */
export const pgliteBenchmark: Benchmark = {
  name: 'pglite',
  title: 'Embedded default (PGlite + pgvector)',
  async run(context) {
    const section = new Section(this.name, this.title);
    const corpus = context.corpus();
    const dataDir = await mkdtemp(join(tmpdir(), 'ragchat-bench-pglite-'));
    const db = await openDatabase({ kind: 'embedded', dataDir });
    try {
      // Every chunk gets a vector of its own: a table of repeated vectors has a smaller HNSW graph
      // than rows, and both its ingest and its searches would cost less than real data's.
      const vectors = new FreshVectorSupply(corpus, 13);
      const embedder = createFakeEmbedder(vectors.take, 0);
      const text = (i: number) => corpus.documentText(3_000_000 + i, PARAGRAPHS_PER_DOCUMENT);
      // One document first (untimed) warms the engine and tells how many chunks a document makes,
      // so the timed run lands on the intended table size.
      const first = await runIngest(db, embedder, [text(0)], 1, DEFAULT_EMBEDDING_CONCURRENCY);
      const documents = Math.ceil((context.sizes.pgliteChunks - first.chunks) / first.chunks);
      const texts = Array.from({ length: documents }, (_, i) => text(i + 1));
      vectors.reserve(chunkCount(texts));
      const run = await runIngest(db, embedder, texts, 1, DEFAULT_EMBEDDING_CONCURRENCY);
      const tableChunks = first.chunks + run.chunks;
      section.figure(
        `ingest to ${tableChunks} chunks, zero-latency embedder`,
        `${run.chunksPerSecond.toFixed(0)} chunks/s`,
      );

      const queries = context.queries().slice(0, context.sizes.pgliteQueries);
      const byText = new Map(queries.map((query) => [query.text, query.vector]));
      const queryEmbedder = createFakeEmbedder((text) => byText.get(text)!, 0);
      const latencies: number[] = [];
      for (const pass of ['warm-up', 'timed']) {
        for (const query of queries) {
          const start = performance.now();
          await retrieve(db, queryEmbedder, { query: query.text, topK: 5, minScore: 0 });
          if (pass === 'timed') latencies.push(since(start));
        }
      }
      const summary = summarize(latencies);
      section.figure(
        `retriever call over ${tableChunks} chunks: p50 / p95 / p99`,
        `${formatMs(summary.p50)} / ${formatMs(summary.p95)} / ${formatMs(summary.p99)} ms`,
        atMost(summary.p50, 8, 'ms p50'),
      );

      const paragraphs = texts.slice(0, 20).flatMap((text) => text.split('\n\n'));
      const start = performance.now();
      for (const paragraph of paragraphs) embedText(paragraph);
      section.figure(
        'local embedder (feature hashing) alone, for comparison',
        `${(paragraphs.length / (since(start) / 1000)).toFixed(0)} paragraphs/s`,
      );
    } finally {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
    return {
      section,
      environment: 'PGlite with @electric-sql/pglite-pgvector, data directory on local disk',
    };
  },
};
