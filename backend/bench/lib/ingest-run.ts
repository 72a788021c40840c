import type { Database } from '../../src/db/database';
import type { DocumentInput } from '../../src/ingest/document-input';
import { ingestDocument } from '../../src/ingest/ingest-document';
import { mapWithConcurrency } from '../../src/ingest/map-with-concurrency';
import type { Embedder } from '../../src/rag/types';
import { since } from './stats';

export interface IngestRun {
  readonly documents: number;
  readonly chunks: number;
  readonly seconds: number;
  readonly chunksPerSecond: number;
}

/**
 * Ingests `texts` through the shipped ingestDocument, `documentsInFlight` at a time (as concurrent
 * POST /api/documents requests would), each with `concurrency` embedding calls in flight.
 */
export async function runIngest(
  db: Database,
  embedder: Embedder,
  texts: readonly string[],
  documentsInFlight: number,
  concurrency: number,
  /** How each text becomes a document. @default plain text titled "Bench document <index>" */
  toDocument: (content: string, index: number) => DocumentInput = (content, index) => ({
    title: `Bench document ${index}`,
    content,
  }),
): Promise<IngestRun> {
  const start = performance.now();
  const results = await mapWithConcurrency(texts, documentsInFlight, (content, index) =>
    ingestDocument(db, embedder, toDocument(content, index), { concurrency }),
  );
  const seconds = since(start) / 1000;
  const fresh = results.filter((result) => result.status === 'created');
  if (fresh.length !== texts.length)
    throw new Error(`only ${fresh.length} of ${texts.length} documents were new`);
  const chunks = fresh.reduce((sum, result) => sum + result.chunkCount, 0);
  return { documents: texts.length, chunks, seconds, chunksPerSecond: chunks / seconds };
}
