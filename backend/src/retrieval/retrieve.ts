import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type pg from 'pg';
import type { Database } from '../db/database';
import { queryPrepared, queryPreparedOn } from '../db/prepared-query';
import { HNSW_EF_SEARCH } from '../db/session-settings';
import { toVectorParameter } from '../db/vector-parameter';
import type { Embedder, RetrievedChunk } from '../pipeline/types';
import {
  type CandidateQuery,
  type CandidateRow,
  type CandidateSides,
  type ChunkRow,
  candidateStatement,
} from './candidate-statements';
import { MIN_LEXICAL_RELEVANCE } from './lexical-relevance';
import { queryTerms } from './query-terms';
import { fuseRankings } from './rank-fusion';
import { rankCandidates, type SideRankings } from './side-rankings';

export const MIN_TOP_K = 1;
export const MAX_TOP_K = 20;

export interface RetrieveRequest {
  readonly query: string;
  /** How many chunks to return at most, MIN_TOP_K..MAX_TOP_K. */
  readonly topK: number;
  /** Chunks whose fused score (in [0, 1]) is below this are dropped. */
  readonly minScore: number;
  /** Only chunks of documents whose metadata contains this object (jsonb `@>`). */
  readonly filter?: Readonly<Record<string, unknown>>;
}

export interface RetrieveResult {
  readonly chunks: RetrievedChunk[];
  readonly timings: { readonly embeddingMs: number; readonly retrievalMs: number };
}

/**
 * Hybrid search: the nearest chunks by cosine distance (HNSW) and the best full-text matches come
 * back as ids and scores (candidate-statements.ts), on two connections at once when the pool has one
 * to spare and from one statement otherwise (selectCandidates), and are merged in code by
 * relevance-weighted reciprocal rank fusion (rank-fusion.ts). Only rows that may be returned are
 * read: each side's best topK come with their rows, and a fused top K chunk outside those is read
 * by a small second statement. Reading all 40–80 candidates' rows cost PostgreSQL about what a
 * round trip does, and Node then decoded 40–80 rows with text instead of a few (BENCHMARKS.md).
 */
export async function retrieve(
  db: Database,
  embedder: Embedder,
  request: RetrieveRequest,
  signal?: AbortSignal,
): Promise<RetrieveResult> {
  const { query, topK, minScore, filter } = validateRequest(request);

  const embeddingStarted = performance.now();
  const embedding = toVectorParameter(await embedder.embed(query, signal), embedder.model, 'the query');
  const embeddingMs = performance.now() - embeddingStarted;
  signal?.throwIfAborted();

  const retrievalStarted = performance.now();
  const candidates = await selectCandidates(db, embedding, query, candidateLimit(topK), filter, topK);
  const { vector, lexical } = rankCandidates(candidates);
  // Matches of common words only carry no information: they stay out of the fusion entirely.
  const informative = lexical.filter(({ relevance }) => relevance >= MIN_LEXICAL_RELEVANCE);
  const ranked = fuseRankings([vector, informative]).filter(({ score }) => score >= minScore);
  // The rows read so far: a chunk id maps to its row, or to undefined when it is not visible any
  // more (deleted, or of a version still being written or already replaced); such a candidate is
  // skipped and the next one taken.
  const readRows = new Map<string, ChunkRow | undefined>();
  for (const row of candidates) {
    if (row.row_read) readRows.set(row.chunk_id, row.document_id === null ? undefined : row);
  }
  const chunks: RetrievedChunk[] = [];
  for (let next = 0; chunks.length < topK && next < ranked.length; ) {
    const wanted = ranked.slice(next, next + topK - chunks.length);
    next += wanted.length;
    const unread = wanted.map(({ id }) => id).filter((id) => !readRows.has(id));
    if (unread.length > 0) {
      const rows = new Map((await selectChunks(db, unread)).map((row) => [row.chunk_id, row]));
      for (const id of unread) readRows.set(id, rows.get(id));
    }
    for (const { id, score } of wanted) {
      const row = readRows.get(id);
      if (row !== undefined) chunks.push(toRetrievedChunk(row, score));
    }
  }
  const retrievalMs = performance.now() - retrievalStarted;
  return { chunks, timings: { embeddingMs, retrievalMs } };
}

/**
 * The vector and lexical rankings the fusion starts from, for `query`: the same statement as
 * retrieve(), without the fusion. For measuring each side on its own; the service uses retrieve().
 */
export async function retrieveSides(
  db: Database,
  embedder: Embedder,
  request: RetrieveRequest,
): Promise<SideRankings> {
  const { query, topK, filter } = validateRequest(request);
  const embedding = toVectorParameter(await embedder.embed(query), embedder.model, 'the query');
  return rankCandidates(await selectCandidates(db, embedding, query, candidateLimit(topK), filter, topK));
}

/**
 * Each side returns a few times topK so fusion has real choices; never more than hnsw.ef_search,
 * the most an HNSW scan can return.
 */
function candidateLimit(topK: number): number {
  return Math.min(HNSW_EF_SEARCH, Math.max(40, topK * 4));
}

/**
 * The candidates of both sides. When the pool can lend a second connection right now (the server
 * tier, not under load), the vector side and the lexical side run at the same time on two
 * connections, so the call takes about as long as the slower side instead of both in turn; otherwise
 * (PGlite's single connection, a transaction, a pool with callers waiting) one statement finds both.
 */
async function selectCandidates(
  db: Database,
  embedding: Buffer,
  query: string,
  limit: number,
  filter: Readonly<Record<string, unknown>> | undefined,
  rowLimit: number,
): Promise<CandidateRow[]> {
  const words = queryTerms(query);
  const request: CandidateQuery = {
    embedding,
    words: words.join(' '),
    searchQuery: query.replace(/(^|\s)-+(?=\S)/g, '$1'),
    quoted: query.includes('"'),
    filter,
    rowLimit,
  };
  const run = (connection: pg.ClientBase, sides: CandidateSides) => {
    const statement = candidateStatement(sides, limit, filter !== undefined);
    return queryPreparedOn<CandidateRow>(
      connection,
      statement.name,
      statement.text,
      statement.bindings(request),
    );
  };
  const client = db.knex.client as Knex.Client;
  const uninformative = uninformativeWords(db);
  const learn = (rows: CandidateRow[]) => {
    // No full-text hit without a filter: every word is absent from the corpus or too common to gather.
    if (filter !== undefined) return rows;
    if (rows.every((row) => row.text_score === null)) {
      if (uninformative.size + words.length > MAX_REMEMBERED_WORDS) uninformative.clear();
      for (const word of words) uninformative.add(word);
    } else {
      for (const word of words) uninformative.delete(word);
    }
    return rows;
  };
  const first = (await client.acquireConnection()) as pg.ClientBase;
  try {
    if (words.every((word) => uninformative.has(word)) || !canLendSecondConnection(db)) {
      return learn(await run(first, 'both'));
    }
    const lexical = (client.acquireConnection() as Promise<pg.ClientBase>).then(async (second) => {
      try {
        return await run(second, 'lexical');
      } finally {
        await client.releaseConnection(second);
      }
    });
    // Both settle before `first` goes back to the pool, whichever fails.
    const [vectorSide, lexicalSide] = await Promise.allSettled([run(first, 'vector'), lexical]);
    if (vectorSide.status === 'rejected') throw vectorSide.reason;
    if (lexicalSide.status === 'rejected') throw lexicalSide.reason;
    learn(lexicalSide.value);
    return [...vectorSide.value, ...lexicalSide.value];
  } finally {
    await client.releaseConnection(first);
  }
}

/**
 * Words whose full-text lookup found nothing (absent, or in too many chunks to gather candidates),
 * per pool: a query made only of them has a lexical side of a statistics lookup, not worth a second
 * connection and statement (measured: no lower latency, 0.1–0.3 ms more CPU on each side), so it runs
 * as one statement. This only picks how the statements run: both ways return the same candidates,
 * so a word that has become informative since (ingest) costs at most one call on one connection.
 */
const uninformativeWordsByPool = new WeakMap<Knex.Client, Set<string>>();
const MAX_REMEMBERED_WORDS = 10_000;

function uninformativeWords(db: Database): Set<string> {
  const client = db.knex.client as Knex.Client;
  let words = uninformativeWordsByPool.get(client);
  if (words === undefined) {
    words = new Set();
    uninformativeWordsByPool.set(client, words);
  }
  return words;
}

/**
 * Whether a caller already holding one connection may take a second without waiting for another
 * caller to release one: a connection is free, or the pool may open one, and nobody is queued. Then
 * holding the first while the second is handed over cannot deadlock (no caller waits on a
 * connection another one holds while waiting); under load (callers queued, as at 64 HTTP
 * connections on a pool of 10) every call runs as one statement on one connection, which costs
 * less CPU per call than two.
 */
function canLendSecondConnection(db: Database): boolean {
  if (db.knex.isTransaction === true) return false;
  const client = db.knex.client as Knex.Client;
  const pool = client.pool;
  const max = (client.config.pool as Knex.PoolConfig | undefined)?.max;
  if (pool === undefined || !('numFree' in pool) || max === undefined) return false;
  return (
    pool.numPendingAcquires() === 0 && (pool.numFree() > 0 || pool.numUsed() + pool.numPendingCreates() < max)
  );
}

function toRetrievedChunk(row: ChunkRow, score: number): RetrievedChunk {
  return {
    chunkId: row.chunk_id,
    documentId: row.document_id,
    title: row.title,
    content: row.content,
    score,
    metadata: row.metadata,
    ...(row.page === null ? {} : { page: row.page }),
    ...(row.heading_path === null ? {} : { headingPath: row.heading_path }),
  };
}

/** The visible stored rows among `ids`, in no particular order. */
async function selectChunks(db: Database, ids: readonly string[]): Promise<ChunkRow[]> {
  if (ids.length === 0) return [];
  return queryPrepared<ChunkRow>(
    db,
    'ragchat-retrieve-chunks',
    // The ids are read through a materialized row, as in the candidate statements: a plan made for
    // the particular array then estimates no better than the generic one, so PostgreSQL keeps the
    // generic plan instead of planning anew on every call (about 0.4 ms of planning for 0.1 ms of work).
    `with request as materialized (select $1::uuid[] as ids)
     select c.id as chunk_id, c.document_id, d.title, c.content, d.metadata, c.page, c.heading_path
     from chunks c
     join documents d on d.id = c.document_id and d.live_generation = c.generation
     where c.id = any((select ids from request)::uuid[])`,
    [ids],
  );
}

/**
 * The HTTP layer has already refused bad queries with 400s; reaching here with one is a bug in the
 * caller, so it is an internal error rather than a second set of client error codes.
 */
function validateRequest(request: RetrieveRequest): RetrieveRequest {
  if (request.query.trim() === '' || request.query.includes('\u0000')) {
    throw new RangeError('retrieve needs a non-empty query without NUL characters');
  }
  if (!Number.isInteger(request.topK) || request.topK < MIN_TOP_K || request.topK > MAX_TOP_K) {
    throw new RangeError(`topK must be an integer from ${MIN_TOP_K} to ${MAX_TOP_K}, got ${request.topK}`);
  }
  if (!(request.minScore >= 0 && request.minScore <= 1)) {
    throw new RangeError(`minScore must be a number from 0 to 1, got ${request.minScore}`);
  }
  const { filter } = request;
  if (filter !== undefined && (typeof filter !== 'object' || filter === null || Array.isArray(filter))) {
    throw new RangeError('filter must be an object');
  }
  return request;
}
