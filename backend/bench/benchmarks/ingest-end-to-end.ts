import { DEFAULT_EMBEDDING_CONCURRENCY } from '../../src/ingest/ingest-document';
import { withSharedEmbeddingLimit } from '../../src/ingest/shared-embedding-limit';
import { createFakeEmbedder, FreshVectorSupply } from '../lib/fake-providers';
import { chunkCount, runIngest } from '../lib/ingest-run';
import { atLeast, Section } from '../lib/report';
import type { Benchmark } from './benchmark';

/** Titan Text Embeddings V2 answers a short chunk in about this long from inside the region. */
const EMBEDDER_LATENCY_MS = 50;
/** The target: 90% of what the embedding calls in flight could deliver if never idle. */
const TARGET_SHARE = 0.9;

interface Scenario {
  readonly paragraphsPerDocument: number;
  readonly documentsInFlight: number;
  /** Embedding calls in flight per document; documentsInFlight × this = calls in flight overall. */
  readonly concurrency: number;
  /** One limit shared by every document, as POST /api/documents applies (UPLOAD_EMBEDDING_CONCURRENCY). */
  readonly sharedLimit?: number;
  /** The shipped pipelined ingest, or embedding every chunk before writing (the reference). */
  readonly pipeline?: 'pipelined' | 'embed-then-write';
}

/**
 * Ingest with a fake Bedrock embedder that takes 50 ms per call. Throughput is bounded by
 * calls in flight ÷ latency (16 ÷ 50 ms = 320 chunks/s); the scenarios show how close the
 * pipeline gets, for short documents one at a time (fewer chunks than calls allowed), long
 * documents, and several short documents sharing the same 16 calls in flight.
 */
export const ingestEndToEndBenchmark: Benchmark = {
  name: 'ingest-e2e',
  title: `Ingest, end to end (fake Bedrock embedder, ${EMBEDDER_LATENCY_MS} ms per call)`,
  async run(context) {
    const section = new Section(this.name, this.title);
    const { db, tier } = await context.postgres();
    const corpus = context.corpus();
    // Every chunk gets a vector never written before, as in the database-side benchmark.
    const vectors = new FreshVectorSupply(corpus, 12);
    const embedder = createFakeEmbedder(vectors.take, EMBEDDER_LATENCY_MS);
    const chunks = context.sizes.ingestChunks;
    const c = DEFAULT_EMBEDDING_CONCURRENCY;
    // Short documents one at a time, a long one, then short ones sharing the same 16 calls in flight.
    const scenarios: Scenario[] = [
      { paragraphsPerDocument: 10, documentsInFlight: 1, concurrency: c },
      { paragraphsPerDocument: 160, documentsInFlight: 1, concurrency: c },
      { paragraphsPerDocument: 800, documentsInFlight: 1, concurrency: c },
      // The same long documents embedded completely before the write, back to back with the row above.
      { paragraphsPerDocument: 800, documentsInFlight: 1, concurrency: c, pipeline: 'embed-then-write' },
      { paragraphsPerDocument: 10, documentsInFlight: 4, concurrency: c / 4 },
      { paragraphsPerDocument: 10, documentsInFlight: 8, concurrency: c / 8 },
      { paragraphsPerDocument: 10, documentsInFlight: 16, concurrency: 1 },
      // The shipped upload path: many uploads at once, each allowed 16 calls, all sharing 16.
      { paragraphsPerDocument: 10, documentsInFlight: 32, concurrency: c, sharedLimit: c },
    ];
    let seed = 2_000_000;
    for (const scenario of scenarios) {
      const documents = Math.max(
        scenario.documentsInFlight,
        Math.ceil(chunks / scenario.paragraphsPerDocument),
      );
      const texts = Array.from({ length: documents }, () =>
        corpus.documentText(seed++, scenario.paragraphsPerDocument),
      );
      vectors.reserve(chunkCount(texts));
      const limited =
        scenario.sharedLimit === undefined
          ? embedder
          : withSharedEmbeddingLimit(embedder, scenario.sharedLimit);
      const run = await runIngest(db, limited, texts, scenario.documentsInFlight, scenario.concurrency, {
        pipeline: scenario.pipeline,
      });
      const callsInFlight = scenario.sharedLimit ?? scenario.documentsInFlight * scenario.concurrency;
      const ceiling = (callsInFlight / EMBEDDER_LATENCY_MS) * 1000;
      const perDocument = Math.round(run.chunks / run.documents);
      const lanes =
        scenario.sharedLimit === undefined
          ? `× concurrency ${scenario.concurrency} = ${callsInFlight} calls`
          : `sharing one ${scenario.sharedLimit}-call upload limit`;
      const reference = scenario.pipeline === 'embed-then-write' ? ', embedded before writing' : '';
      section.figure(
        `chunks/s, ${scenario.documentsInFlight} × ${perDocument}-chunk documents in flight ${lanes}${reference} (${run.chunks} chunks)`,
        `${run.chunksPerSecond.toFixed(0)} (${((run.chunksPerSecond / ceiling) * 100).toFixed(0)}% of ${ceiling.toFixed(0)})`,
        atLeast(run.chunksPerSecond, Math.round(TARGET_SHARE * ceiling), 'chunks/s'),
      );
    }
    return { section, environment: tier.versions };
  },
};
