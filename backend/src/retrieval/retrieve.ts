import { performance } from 'node:perf_hooks';
import { toSql } from 'pgvector';
import type { Database } from '../db/database';
import { HNSW_EF_SEARCH } from '../db/session-settings';
import { AppError } from '../errors';
import type { Embedder, RetrievedChunk } from '../rag/types';
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
  const embedding = await embedder.embed(query, signal);
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
 * Full-text matching takes websearch syntax ("quoted phrases", `or`) but matches chunks containing
 * ANY of the terms, not all of them: natural-language questions rarely share every word with the
 * passage that answers them, and ts_rank_cd still ranks chunks matching more terms higher.
 * Exclusions (`-word`) are dropped for the same reason: under OR they would match almost everything.
 */
async function selectCandidates(
  db: Database,
  embedding: number[],
  query: string,
  limit: number,
  filter: Readonly<Record<string, unknown>> | undefined,
): Promise<CandidateRow[]> {
  const filterSql =
    filter === undefined
      ? ''
      : 'and exists (select 1 from documents fd where fd.id = c.document_id and fd.metadata @> ?::jsonb)';
  const filterBinding = filter === undefined ? [] : [JSON.stringify(filter)];
  const textQuery = query.replace(/(^|\s)-+(?=\S)/g, '$1');
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
     text_hits as (
       select c.id, ts_rank_cd(c.content_tsv, t.query, 32) as text_rank
       from chunks c cross join text_query t
       where c.content_tsv @@ t.query ${filterSql}
       order by text_rank desc
       limit ?
     )
     select c.id as chunk_id, c.document_id, d.title, c.content, d.metadata,
            v.similarity, t.text_rank
     from chunks c
     join documents d on d.id = c.document_id
     left join vector_hits v on v.id = c.id
     left join text_hits t on t.id = c.id
     where c.id in (select id from vector_hits union select id from text_hits)`,
    [toSql(embedding), ...filterBinding, limit, textQuery, ...filterBinding, limit],
  );
  return result.rows;
}

function validateRequest(request: RetrieveRequest): RetrieveRequest {
  if (request.query.trim() === '') throw new AppError(400, 'invalid_query', 'query must not be empty');
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
