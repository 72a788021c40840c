import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DEFAULT_INSERT_BATCH_SIZE } from '../../src/ingest/ingest-document';
import { mapWithConcurrency } from '../../src/ingest/map-with-concurrency';
import { type ChunkRow, copyChunkRows, encodeVector, LOADED_GENERATION } from './bulk-load';
import type { Corpus } from './corpus';
import { withClient } from './postgres-tier';
import { cpuMs } from './process-cpu';
import type { Section } from './report';
import { mean, since } from './stats';
import { vectorText } from './vector-text';

const ROWS = 2000;

/**
 * Splits the cost of a chunk insert into its parts by writing the same rows several ways:
 * - JS: formatting the vectors as text (what `toSql` sends);
 * - server, no index: the shipped multi-row INSERT with text vectors into an unindexed copy of the
 *   table (round trips + vector text parsing + tsvector), then binary COPY into it (neither
 *   round trips nor parsing): the difference is what the text protocol costs;
 * - server, live indexes: binary COPY into the real table, on one connection and on two: the
 *   difference from the unindexed COPY is the index and trigger maintenance, and whether it spreads
 *   across cores; on one connection also without the chunk triggers and with ef_construction 64,
 *   with the backend's CPU per row (wall time is noisy on a shared machine).
 */
export async function measureIngestBounds(url: string, corpus: Corpus, section: Section): Promise<void> {
  // Distinct seeds: repeated vectors would make the HNSW inserts unrealistically cheap.
  let seed = 4242;
  const rows = (documentId: string): ChunkRow[] => {
    seed += ROWS;
    return corpus.freshVectors(ROWS, seed).map((embedding, ordinal) => ({
      id: randomUUID(),
      documentId,
      ordinal,
      content: corpus.documentText(seed + ordinal, 1),
      embedding,
    }));
  };
  const rate = (ms: number, count = ROWS) => `${((count / ms) * 1000).toFixed(0)} rows/s`;

  const arrays = rows('').map((row) => Array.from(row.embedding));
  let start = performance.now();
  const texts = arrays.map((embedding) => vectorText(embedding));
  section.figure('bound: JS formatting vectors as text (toSql)', rate(since(start)));
  section.note(
    `A 1024-dim vector as text is ${Math.round(mean(texts.map((t) => t.length)) / 1024)} KB; in binary it is 4 KB.`,
  );

  await withClient(url, async (client) => {
    await client.query('create temporary table scratch (like chunks including defaults including generated)');
    const scratchRows = rows(randomUUID());
    start = performance.now();
    for (let i = 0; i < ROWS; i += DEFAULT_INSERT_BATCH_SIZE) {
      await insertText(client, scratchRows.slice(i, i + DEFAULT_INSERT_BATCH_SIZE));
    }
    section.figure(
      `bound: multi-row INSERT, text vectors, no index (${DEFAULT_INSERT_BATCH_SIZE} rows per statement)`,
      rate(since(start)),
    );
    await client.query('truncate scratch');
    start = performance.now();
    for (let i = 0; i < ROWS; i += DEFAULT_INSERT_BATCH_SIZE) {
      await insertBinary(client, scratchRows.slice(i, i + DEFAULT_INSERT_BATCH_SIZE));
    }
    section.figure('bound: the same INSERT with binary vector parameters, no index', rate(since(start)));
    await client.query('truncate scratch');
    start = performance.now();
    await copyChunkRows(client, 'scratch', [scratchRows]);
    section.figure('bound: binary COPY, no index', rate(since(start)));

    const backend = await backendPid(client);
    for (const part of LIVE_COPY_PARTS) {
      const liveRows = rows(await newDocument(client));
      await client.query('begin');
      for (const statement of part.setup) await client.query(statement);
      const cpuBefore = cpuMs(backend);
      start = performance.now();
      await copyChunkRows(client, 'chunks', [liveRows]);
      const elapsed = since(start);
      const cpuPerRow = (cpuMs(backend) - cpuBefore) / ROWS;
      // Only the shipped path's rows stay: the others would lack postings and statistics.
      await client.query(part.setup.length === 0 ? 'commit' : 'rollback');
      section.figure(
        `bound: binary COPY into the live indexed table, 1 connection${part.label}`,
        `${rate(elapsed)}; backend CPU per row ${cpuPerRow.toFixed(2)} ms`,
      );
    }
  });

  const documents = await withClient(url, async (client) => [
    await newDocument(client),
    await newDocument(client),
  ]);
  const halves = documents.map((documentId) => rows(documentId).slice(0, ROWS / 2));
  start = performance.now();
  await mapWithConcurrency(halves, 2, (half) =>
    withClient(url, (client) => copyChunkRows(client, 'chunks', [half])),
  );
  section.figure('bound: binary COPY into the live indexed table, 2 connections', rate(since(start)));
}

/**
 * The live COPY as shipped, then without the chunk triggers (postings and statistics: what is left is
 * the HNSW insert, the heap, the btrees and the tsvector), then also with the cheaper HNSW graph
 * search of ef_construction 64 (pgvector's default) instead of the shipped 128. Settings are
 * transaction-local and the last two are rolled back.
 */
const LIVE_COPY_PARTS: readonly { readonly label: string; readonly setup: readonly string[] }[] = [
  { label: '', setup: [] },
  { label: ', chunk triggers off', setup: ['set local session_replication_role = replica'] },
  {
    label: ', chunk triggers off, ef_construction 64',
    setup: [
      'set local session_replication_role = replica',
      'alter index chunks_embedding_hnsw_idx set (ef_construction = 64)',
    ],
  },
];

async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  return rows[0]!.pid;
}

/** The statement knex builds for the shipped batch insert, with the vector as `toSql` text. */
function insertText(client: pg.Client, batch: readonly ChunkRow[]): Promise<void> {
  return insertRows(client, batch, vectorText);
}

function insertBinary(client: pg.Client, batch: readonly ChunkRow[]): Promise<void> {
  return insertRows(client, batch, encodeVector);
}

async function insertRows(
  client: pg.Client,
  batch: readonly ChunkRow[],
  encode: (embedding: Float32Array) => string | Buffer,
): Promise<void> {
  const values: unknown[] = [];
  const tuples = batch.map((row) => {
    values.push(row.documentId, row.ordinal, row.content, encode(row.embedding));
    const n = values.length;
    return `($${n - 3}, ${LOADED_GENERATION}, $${n - 2}, $${n - 1}, $${n}::vector)`;
  });
  await client.query(
    `insert into scratch (document_id, generation, ordinal, content, embedding) values ${tuples.join(', ')}`,
    values,
  );
}

async function newDocument(client: pg.Client): Promise<string> {
  const id = randomUUID();
  const content = `Bound probe ${id}`;
  await client.query(
    `insert into documents (id, title, content, content_sha256, live_generation)
     values ($1, 'Bound probe', $2, $3, ${LOADED_GENERATION})`,
    [id, content, createHash('sha256').update(content).digest('hex')],
  );
  return id;
}
