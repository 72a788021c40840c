import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Corpus } from './corpus';
import { since } from './stats';

/**
 * Loads the synthetic corpus into the shipped schema as fast as PostgreSQL allows: secondary
 * indexes dropped, rows streamed with binary COPY (no float text formatting in JS, no float parsing
 * in the server), then the indexes rebuilt from their exact shipped definitions with a large
 * maintenance_work_mem (the HNSW graph must fit in it, or the build slows several-fold) and
 * parallel workers.
 */
export const CHUNKS_PER_DOCUMENT = 10;
const COPY_BATCH_ROWS = 500;
/** The leader builds too, so one core is left for it. */
const BUILD_SETTINGS = [
  "set maintenance_work_mem = '2GB'",
  `set max_parallel_maintenance_workers = ${Math.max(1, availableParallelism() - 1)}`,
];

export interface LoadTimings {
  readonly copyMs: number;
  readonly indexBuildMs: Readonly<Record<string, number>>;
}

/** Chunk ids encode the corpus row, so a retrieved chunk maps back to its ground-truth row. */
export function chunkId(row: number): string {
  return `c0000000-0000-4000-8000-${row.toString(16).padStart(12, '0')}`;
}

export function rowOfChunkId(id: string): number | undefined {
  return id.startsWith('c0000000-0000-4000-8000-') ? Number.parseInt(id.slice(24), 16) : undefined;
}

export function documentId(index: number): string {
  return `d0000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

export async function bulkLoad(client: pg.Client, corpus: Corpus): Promise<LoadTimings> {
  const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes
     where schemaname = current_schema() and tablename = 'chunks' and indexdef ~* 'using (hnsw|gin)'`,
  );
  for (const index of indexes) await client.query(`drop index ${index.indexname}`);

  const copyStart = performance.now();
  await copyDocuments(client, Math.ceil(corpus.size / CHUNKS_PER_DOCUMENT));
  await copyChunks(client, corpus);
  const copyMs = since(copyStart);

  for (const setting of BUILD_SETTINGS) await client.query(setting);
  const indexBuildMs: Record<string, number> = {};
  for (const index of indexes) {
    const start = performance.now();
    await client.query(index.indexdef);
    indexBuildMs[index.indexname] = since(start);
  }
  await client.query('reset maintenance_work_mem');
  await client.query('reset max_parallel_maintenance_workers');
  await client.query('vacuum analyze documents');
  await client.query('vacuum analyze chunks');
  // Sets the visibility map, so the postings' index-only scans read no heap pages (autovacuum would, later).
  await client.query('vacuum analyze lexical_postings');
  return { copyMs, indexBuildMs };
}

async function copyDocuments(client: pg.Client, count: number): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = `Synthetic benchmark document ${i}`;
    const sha = createHash('sha256').update(content).digest('hex');
    lines.push(`${documentId(i)}\tDocument ${i}\t${content}\t${sha}\t${LOADED_GENERATION}\n`);
  }
  await copyIn(client, 'copy documents (id, title, content, content_sha256, live_generation) from stdin', [
    lines.join(''),
  ]);
}

async function copyChunks(client: pg.Client, corpus: Corpus): Promise<void> {
  const batches = function* () {
    for (let start = 0; start < corpus.size; start += COPY_BATCH_ROWS) {
      const rows: ChunkRow[] = [];
      for (let row = start; row < Math.min(start + COPY_BATCH_ROWS, corpus.size); row++) {
        rows.push({
          id: chunkId(row),
          documentId: documentId(Math.floor(row / CHUNKS_PER_DOCUMENT)),
          ordinal: row % CHUNKS_PER_DOCUMENT,
          content: corpus.text(row),
          embedding: corpus.vector(row),
        });
      }
      yield rows;
    }
  };
  await copyChunkRows(client, 'chunks', batches());
}

/** Loaded rows are their documents' published generation (migration 009). */
export const LOADED_GENERATION = 0;

export interface ChunkRow {
  readonly id: string;
  readonly documentId: string;
  readonly ordinal: number;
  readonly content: string;
  readonly embedding: Float32Array;
}

/** Streams rows into `table` (the chunks schema) with binary COPY. */
export async function copyChunkRows(
  client: pg.Client,
  table: string,
  batches: Iterable<ChunkRow[]>,
): Promise<void> {
  const encoded = function* () {
    yield BINARY_HEADER;
    for (const rows of batches) yield Buffer.concat(rows.map(encodeChunkRow));
    yield BINARY_TRAILER;
  };
  await copyIn(
    client,
    `copy ${table} (id, document_id, generation, ordinal, content, embedding) from stdin with (format binary)`,
    encoded(),
  );
}

/** PostgreSQL binary COPY: signature, flags, header extension length; tuples; then a -1 field count. */
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

function encodeChunkRow(chunk: ChunkRow): Buffer {
  const text = Buffer.from(chunk.content, 'utf8');
  const dims = chunk.embedding.length;
  // Field count, then (length, bytes) per field: uuid, uuid, int8, int4, text, vector.
  const vectorBytes = 4 + 4 * dims;
  const size = 2 + (4 + 16) * 2 + (4 + 8) + (4 + 4) + (4 + text.length) + (4 + vectorBytes);
  const buffer = Buffer.allocUnsafe(size);
  let offset = buffer.writeInt16BE(6, 0);
  offset = writeUuid(buffer, offset, chunk.id);
  offset = writeUuid(buffer, offset, chunk.documentId);
  offset = buffer.writeInt32BE(8, offset);
  offset = buffer.writeBigInt64BE(BigInt(LOADED_GENERATION), offset);
  offset = buffer.writeInt32BE(4, offset);
  offset = buffer.writeInt32BE(chunk.ordinal, offset);
  offset = buffer.writeInt32BE(text.length, offset);
  offset += text.copy(buffer, offset);
  offset = buffer.writeInt32BE(vectorBytes, offset);
  writeVector(buffer, offset, chunk.embedding);
  return buffer;
}

/**
 * pgvector's binary form (what `vector_recv` reads): int16 dimensions, int16 unused, then
 * big-endian float4 values. node-postgres sends a Buffer parameter in binary format, so this is
 * also how a query can pass a vector without formatting and parsing 1024 decimal numbers.
 */
export function encodeVector(embedding: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(4 + 4 * embedding.length);
  writeVector(buffer, 0, embedding);
  return buffer;
}

function writeVector(buffer: Buffer, start: number, embedding: ArrayLike<number>): number {
  let offset = buffer.writeInt16BE(embedding.length, start);
  offset = buffer.writeInt16BE(0, offset);
  for (let i = 0; i < embedding.length; i++) offset = buffer.writeFloatBE(embedding[i]!, offset);
  return offset;
}

function writeUuid(buffer: Buffer, offset: number, uuid: string): number {
  const next = buffer.writeInt32BE(16, offset);
  return next + Buffer.from(uuid.replaceAll('-', ''), 'hex').copy(buffer, next);
}

async function copyIn(client: pg.Client, sql: string, chunks: Iterable<Buffer | string>): Promise<void> {
  const stream = client.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  stream.end();
  await done;
}
