import type { Database } from '../../src/db/database';
import { chunkDocument } from '../../src/ingest/chunk-document';
import { type DocumentInput, validateDocumentInput } from '../../src/ingest/document-input';
import {
  type IngestResult,
  ingestDocument,
  prepareDocument,
  sha256,
  writeDocument,
} from '../../src/ingest/ingest-document';
import { mapWithConcurrency } from '../../src/ingest/map-with-concurrency';
import type { Embedder } from '../../src/pipeline/types';
import { childrenCpuDelta, childrenCpuMs, parentOf } from './process-cpu';
import { since } from './stats';

export interface IngestRunOptions {
  /** Whether each document's writing overlaps its embedding (as shipped) or follows it. @default 'pipelined' */
  readonly pipeline?: 'pipelined' | 'embed-then-write' | undefined;
  /** How each text becomes a document. @default plain text titled "Bench document <index>" */
  readonly toDocument?: (content: string, index: number) => DocumentInput;
  /** Connections writing each document (IngestOptions.writers). @default the shipped default */
  readonly writers?: number | undefined;
}

function asPlainDocument(content: string, index: number): DocumentInput {
  return { title: `Bench document ${index}`, content };
}

export interface IngestRun {
  readonly documents: number;
  readonly chunks: number;
  readonly seconds: number;
  readonly chunksPerSecond: number;
  /** CPU milliseconds per chunk stored: the database server's processes and this (Node) process. */
  readonly cpuMsPerChunk: { readonly postgres: number; readonly node: number };
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
  options: IngestRunOptions = {},
): Promise<IngestRun> {
  const { pipeline = 'pipelined', toDocument = asPlainDocument, writers } = options;
  const postmaster = await serverParent(db);
  const postgresBefore = postmaster === undefined ? undefined : childrenCpuMs(postmaster);
  const nodeBefore = process.cpuUsage();
  const start = performance.now();
  const results = await mapWithConcurrency(texts, documentsInFlight, (content, index) => {
    const input = toDocument(content, index);
    return pipeline === 'pipelined'
      ? ingestDocument(db, embedder, input, { concurrency, ...(writers === undefined ? {} : { writers }) })
      : embedThenWrite(db, embedder, input, concurrency);
  });
  const seconds = since(start) / 1000;
  const node = process.cpuUsage(nodeBefore);
  const postgresMs =
    postmaster === undefined || postgresBefore === undefined
      ? Number.NaN
      : childrenCpuDelta(postgresBefore, childrenCpuMs(postmaster));
  const fresh = results.filter((result) => result.status === 'created');
  if (fresh.length !== texts.length)
    throw new Error(`only ${fresh.length} of ${texts.length} documents were new`);
  const chunks = fresh.reduce((sum, result) => sum + result.chunkCount, 0);
  return {
    documents: texts.length,
    chunks,
    seconds,
    chunksPerSecond: chunks / seconds,
    cpuMsPerChunk: { postgres: postgresMs / chunks, node: (node.user + node.system) / 1000 / chunks },
  };
}

/** How many chunks (one embedding call each) runIngest will store for `texts` as plain documents. */
export function chunkCount(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + chunkDocument(text, undefined).length, 0);
}

/** The postmaster of a local PostgreSQL server (its backends are its children); none for PGlite. */
async function serverParent(db: Database): Promise<number | undefined> {
  if (db.kind !== 'postgres') return undefined;
  const { rows } = await db.knex.raw<{ rows: { pid: number }[] }>('select pg_backend_pid() as pid');
  return parentOf(rows[0]!.pid);
}

/**
 * What ingestDocument did before its embedding and writing overlapped: every chunk embedded, then
 * the one transaction. Kept here only as the benchmark's reference point.
 */
async function embedThenWrite(
  db: Database,
  embedder: Embedder,
  input: DocumentInput,
  concurrency: number,
): Promise<IngestResult> {
  const document = validateDocumentInput(input);
  const prepared = await prepareDocument(embedder, document, sha256(document.content), { concurrency });
  return db.knex.transaction((trx) => writeDocument(trx, prepared));
}
