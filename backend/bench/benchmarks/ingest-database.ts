import { DEFAULT_DOCUMENT_WRITERS, DEFAULT_EMBEDDING_CONCURRENCY } from '../../src/ingest/ingest-document';
import { createFakeEmbedder, FreshVectorSupply } from '../lib/fake-providers';
import { measureIngestBounds } from '../lib/ingest-bounds';
import { chunkCount, runIngest } from '../lib/ingest-run';
import { loadAverage } from '../lib/machine';
import { atLeast, Section } from '../lib/report';
import type { Benchmark } from './benchmark';

/** About ten chunks per document at the default chunk size, like a short article. */
const PARAGRAPHS_PER_DOCUMENT = 10;
/** About a thousand chunks: a manual or a long PDF, where embedding and writing overlap within the document. */
const PARAGRAPHS_PER_LONG_DOCUMENT = 800;
/** Issue 17: one document in flight into the live index. */
const TARGET_CHUNKS_PER_SECOND = 1000;

/**
 * Ingest with a free embedder into the loaded, live HNSW-indexed table: what the database side
 * (validation, dedup lookup, transaction, batched INSERTs, vector parsing, index maintenance) costs.
 */
export const ingestDatabaseBenchmark: Benchmark = {
  name: 'ingest-db',
  title: 'Ingest, database side (zero-latency embedder, live HNSW-indexed table)',
  async run(context) {
    const section = new Section(this.name, this.title);
    const { db, tier } = await context.postgres();
    const corpus = context.corpus();
    // Every chunk gets a vector never written before: a repeated one is a cheap duplicate insert.
    const vectors = new FreshVectorSupply(corpus, 11);
    const embedder = createFakeEmbedder(vectors.take, 0);
    const documentCount = Math.ceil(context.sizes.ingestChunks / PARAGRAPHS_PER_DOCUMENT);
    const texts = (seed: number) =>
      Array.from({ length: documentCount }, (_, i) => corpus.documentText(seed + i, PARAGRAPHS_PER_DOCUMENT));
    // Warm the pool's connections and the code paths so the first measurement is not a cold start.
    await runIngest(db, embedder, texts(900_000).slice(0, 5), 1, DEFAULT_EMBEDDING_CONCURRENCY);

    // One writer (one transaction per short document) against the shipped default (the document's
    // two batches written by two connections), alternating so both share the machine's load; then
    // more documents in flight with the default.
    const runs = [
      { inFlight: 1, writers: 1 },
      { inFlight: 1, writers: DEFAULT_DOCUMENT_WRITERS },
      { inFlight: 1, writers: 1 },
      { inFlight: 1, writers: DEFAULT_DOCUMENT_WRITERS },
      { inFlight: 2, writers: DEFAULT_DOCUMENT_WRITERS },
      { inFlight: 4, writers: DEFAULT_DOCUMENT_WRITERS },
    ];
    for (const [index, { inFlight, writers }] of runs.entries()) {
      const documents = texts((index + 1) * 100_000);
      vectors.reserve(chunkCount(documents));
      const load = loadAverage();
      const run = await runIngest(db, embedder, documents, inFlight, DEFAULT_EMBEDDING_CONCURRENCY, {
        writers,
      });
      const shipped = writers === DEFAULT_DOCUMENT_WRITERS;
      section.figure(
        `chunks/s, ${inFlight} document${inFlight === 1 ? '' : 's'} in flight, ${writerLabel(writers)} (${run.chunks} chunks in ${run.documents} documents; load ${load})`,
        `${run.chunksPerSecond.toFixed(0)}; CPU per chunk PostgreSQL / Node ${run.cpuMsPerChunk.postgres.toFixed(2)} / ${run.cpuMsPerChunk.node.toFixed(2)} ms`,
        inFlight === 1 && shipped
          ? atLeast(run.chunksPerSecond, TARGET_CHUNKS_PER_SECOND, 'chunks/s')
          : undefined,
      );
    }
    const longDocuments = Math.max(
      1,
      Math.round(documentCount / (PARAGRAPHS_PER_LONG_DOCUMENT / PARAGRAPHS_PER_DOCUMENT)),
    );
    // One writer (what ingest did before several connections wrote a document) and the shipped
    // default, alternating, so both share the machine's load; then the shipped default alone counts.
    let seed = 700_000;
    for (const writers of [1, DEFAULT_DOCUMENT_WRITERS, 1, DEFAULT_DOCUMENT_WRITERS]) {
      const documents = Array.from({ length: longDocuments }, (_, i) =>
        corpus.documentText(seed + i, PARAGRAPHS_PER_LONG_DOCUMENT),
      );
      vectors.reserve(chunkCount(documents));
      const load = loadAverage();
      const long = await runIngest(db, embedder, documents, 1, DEFAULT_EMBEDDING_CONCURRENCY, { writers });
      seed += longDocuments;
      const shipped = writers === DEFAULT_DOCUMENT_WRITERS;
      section.figure(
        `chunks/s, 1 long document in flight, ${writerLabel(writers)} (${long.chunks} chunks in ${long.documents} document${long.documents === 1 ? '' : 's'}; load ${load})`,
        `${long.chunksPerSecond.toFixed(0)}; CPU per chunk PostgreSQL / Node ${long.cpuMsPerChunk.postgres.toFixed(2)} / ${long.cpuMsPerChunk.node.toFixed(2)} ms`,
        shipped ? atLeast(long.chunksPerSecond, TARGET_CHUNKS_PER_SECOND, 'chunks/s') : undefined,
      );
    }
    await measureIngestBounds(tier.url, corpus, section);
    return { section, environment: tier.versions };
  },
};

function writerLabel(writers: number): string {
  return `${writers} writer${writers === 1 ? '' : 's'}${writers === DEFAULT_DOCUMENT_WRITERS ? ' (shipped)' : ''}`;
}
