import { performance } from 'node:perf_hooks';
import type { Database } from '../db/database';
import { HNSW_EF_SEARCH } from '../db/session-settings';
import { toVectorParameter } from '../db/vector-parameter';
import { AppError } from '../errors';
import type { Embedder, RetrievedChunk } from '../rag/types';
import { queryTerms } from './query-terms';
import { fuseRankings } from './rank-fusion';

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

interface CandidateRow {
  chunk_id: string;
  document_id: string;
  title: string;
  content: string;
  metadata: Record<string, unknown>;
  page: number | null;
  heading_path: string[] | null;
  similarity: number | null;
  text_rank: number | null;
}

/**
 * Hybrid search in one round trip: the nearest chunks by cosine distance (HNSW) and the best
 * full-text matches come back from a single statement, and are merged in code by relevance-weighted
 * reciprocal rank fusion (rank-fusion.ts).
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
  const rows = await selectCandidates(db, embedding, query, candidateLimit(topK), filter);
  const retrievalMs = performance.now() - retrievalStarted;

  const byId = new Map(rows.map((row) => [row.chunk_id, row]));
  const vectorRanking = rows
    .filter((row) => row.similarity !== null)
    .sort((left, right) => right.similarity! - left.similarity!)
    .map((row) => ({ id: row.chunk_id, relevance: clamp(row.similarity!) }));
  const textRanking = rows
    .filter((row) => row.text_rank !== null)
    .sort((left, right) => right.text_rank! - left.text_rank!)
    .map((row) => ({ id: row.chunk_id, relevance: clamp(row.text_rank!) }));

  const chunks = fuseRankings([vectorRanking, textRanking])
    .filter(({ score }) => score >= minScore)
    .slice(0, topK)
    .map(({ id, score }): RetrievedChunk => {
      const row = byId.get(id)!;
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
    });
  return { chunks, timings: { embeddingMs, retrievalMs } };
}

/**
 * Each side returns a few times topK so fusion has real choices; never more than hnsw.ef_search,
 * the most an HNSW scan can return.
 */
function candidateLimit(topK: number): number {
  return Math.min(HNSW_EF_SEARCH, Math.max(40, topK * 4));
}

/**
 * Full-text candidates are gathered per query term, at most TEXT_CANDIDATES_PER_TERM each, and only
 * those are ranked. Ranking every chunk that contains a common word costs tens of milliseconds on a
 * large corpus; bounded per-term lookups keep it near a millisecond while a rare, precise term (an
 * error code, a product name) still brings all of its chunks.
 */
export const TEXT_CANDIDATES_PER_TERM = 100;

/**
 * One statement, one round trip:
 *
 * - `vector_hits`: nearest chunks by cosine distance through the HNSW index.
 * - `text_candidates`: one bounded lookup per query term. Each term is its own bound parameter, so
 *   PostgreSQL plans each lookup with that term's statistics: a rare term uses the GIN index, a common
 *   one stops a sequential scan after a few rows, and a stop word is folded away before execution.
 *   The CTE is materialized so the ranking below runs over these rows only, never the index again.
 * - `text_hits`: candidates ranked with ts_rank_cd against the whole query. The query takes websearch
 *   syntax ("quoted phrases", `or`) but matches chunks containing ANY term, not all: questions rarely
 *   share every word with the passage that answers them, and ranking still prefers chunks matching
 *   more terms. Exclusions (`-word`) are dropped, since under OR they would match almost everything.
 */
async function selectCandidates(
  db: Database,
  embedding: Buffer,
  query: string,
  limit: number,
  filter: Readonly<Record<string, unknown>> | undefined,
): Promise<CandidateRow[]> {
  const filterSql =
    filter === undefined
      ? ''
      : 'and exists (select 1 from documents fd where fd.id = c.document_id and fd.metadata @> ?::jsonb)';
  const filterBindings = filter === undefined ? [] : [JSON.stringify(filter)];
  const terms = queryTerms(query);
  const termLookups =
    terms.length === 0
      ? 'select null::uuid as id, null::tsvector as content_tsv where false'
      : terms
          .map(
            () =>
              `(select c.id, c.content_tsv from chunks c
                where numnode(plainto_tsquery('english', ?)) > 0
                  and c.content_tsv @@ plainto_tsquery('english', ?) ${filterSql}
                limit ?)`,
          )
          .join(' union all ');
  const termBindings = terms.flatMap((term) => [term, term, ...filterBindings, TEXT_CANDIDATES_PER_TERM]);

  const result = await db.knex.raw<{ rows: CandidateRow[] }>(
    `with query_embedding as materialized (select ?::vector as embedding),
     vector_hits as (
       select c.id, 1 - (c.embedding <=> (select embedding from query_embedding)) as similarity
       from chunks c
       where true ${filterSql}
       order by c.embedding <=> (select embedding from query_embedding)
       limit ?
     ),
     text_query as materialized (
       select replace(websearch_to_tsquery('english', ?)::text, ' & ', ' | ')::tsquery as query
     ),
     text_candidates as materialized (${termLookups}),
     text_hits as (
       select tc.id, ts_rank_cd(tc.content_tsv, t.query, 32) as text_rank
       from (select distinct on (id) id, content_tsv from text_candidates) tc
       cross join text_query t
       where tc.content_tsv @@ t.query
       order by text_rank desc
       limit ?
     )
     select c.id as chunk_id, c.document_id, d.title, c.content, d.metadata, c.page, c.heading_path,
            v.similarity, t.text_rank
     from chunks c
     join documents d on d.id = c.document_id
     left join vector_hits v on v.id = c.id
     left join text_hits t on t.id = c.id
     where c.id in (select id from vector_hits union select id from text_hits)`,
    [embedding, ...filterBindings, limit, query.replace(/(^|\s)-+(?=\S)/g, '$1'), ...termBindings, limit],
  );
  return result.rows;
}

function validateRequest(request: RetrieveRequest): RetrieveRequest {
  if (request.query.trim() === '') throw new AppError(400, 'invalid_query', 'query must not be empty');
  if (request.query.includes('\u0000')) {
    throw new AppError(400, 'invalid_query', 'query must not contain the NUL character (U+0000)');
  }
  if (!Number.isInteger(request.topK) || request.topK < MIN_TOP_K || request.topK > MAX_TOP_K) {
    throw new AppError(400, 'invalid_top_k', `topK must be an integer from ${MIN_TOP_K} to ${MAX_TOP_K}`);
  }
  if (!(request.minScore >= 0 && request.minScore <= 1)) {
    throw new AppError(400, 'invalid_min_score', 'minScore must be a number from 0 to 1');
  }
  const { filter } = request;
  if (filter !== undefined && (typeof filter !== 'object' || filter === null || Array.isArray(filter))) {
    throw new AppError(400, 'invalid_filter', 'filter must be a JSON object');
  }
  return request;
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
