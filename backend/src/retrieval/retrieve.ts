import { performance } from 'node:perf_hooks';
import type { Database } from '../db/database';
import { HNSW_EF_SEARCH } from '../db/session-settings';
import { toVectorParameter } from '../db/vector-parameter';
import type { Embedder, RetrievedChunk } from '../pipeline/types';
import { BM25_B, BM25_K1, lexicalRelevance, MIN_LEXICAL_RELEVANCE } from './lexical-relevance';
import { queryTerms } from './query-terms';
import { fuseRankings, type RankedCandidate } from './rank-fusion';

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
  /** BM25, normalized (see selectCandidates); null when the chunk is no full-text hit. */
  text_score: number | null;
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
  const { vector, lexical } = rankCandidates(rows);
  // Matches of common words only carry no information: they stay out of the fusion entirely.
  const informative = lexical.filter(({ relevance }) => relevance >= MIN_LEXICAL_RELEVANCE);
  const chunks = fuseRankings([vector, informative])
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

/** Each side's own ranking of the candidates, best first (the relevance benchmark compares them). */
export interface SideRankings {
  readonly vector: RankedCandidate[];
  readonly lexical: RankedCandidate[];
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
  return rankCandidates(await selectCandidates(db, embedding, query, candidateLimit(topK), filter));
}

function rankCandidates(rows: readonly CandidateRow[]): SideRankings {
  const vector = rows
    .filter((row) => row.similarity !== null)
    .sort((left, right) => right.similarity! - left.similarity!)
    .map((row) => ({ id: row.chunk_id, relevance: clamp(row.similarity!) }));
  const lexical = rows
    .filter((row) => row.text_score !== null)
    .map((row) => ({ id: row.chunk_id, relevance: lexicalRelevance(row.text_score!) }))
    .sort((left, right) => right.relevance - left.relevance);
  return { vector, lexical };
}

/**
 * Each side returns a few times topK so fusion has real choices; never more than hnsw.ef_search,
 * the most an HNSW scan can return.
 */
function candidateLimit(topK: number): number {
  return Math.min(HNSW_EF_SEARCH, Math.max(40, topK * 4));
}

/**
 * Full-text candidates are gathered per informative query term, at most TEXT_CANDIDATES_PER_TERM
 * each, plus the chunks matching the whole query; only those are scored. A rare, precise term (an
 * error code, a product name) brings all of its chunks.
 */
export const TEXT_CANDIDATES_PER_TERM = 100;

/**
 * A term found in more than this share of the chunks gathers no candidates of its own: its inverse
 * document frequency is too low for a match to mean much, and looking up its chunks is what made
 * all-common-word questions slow. It still counts in the score of candidates other terms bring.
 * Terms found in at most TEXT_CANDIDATES_PER_TERM chunks always gather (small corpora).
 */
export const MAX_GATHERING_TERM_SHARE = 0.1;

/** A chunk matching the whole query (every word, quoted phrases in order) scores this much more. */
export const COMPLETE_MATCH_BOOST = 1.5;

/**
 * One statement, one round trip, one prepared statement per candidate limit and filter shape (its
 * text never changes; the query words arrive as one space-separated parameter), so each pooled
 * connection parses and plans it once:
 *
 * - `vector_hits`: nearest chunks by cosine distance through the HNSW index.
 * - `query_terms`: each query word as PostgreSQL's english configuration stems it (stop words drop
 *   out), with its document frequency summed over the shards of `lexical_term_counts` and its
 *   BM25 inverse document frequency over the chunk count in `lexical_totals` (migration 007).
 * - `text_candidates`: for each informative term (MAX_GATHERING_TERM_SHARE) a GIN lookup bounded by
 *   TEXT_CANDIDATES_PER_TERM, plus one bounded lookup for chunks matching the whole query
 *   (websearch syntax, so "quoted phrases" must match as phrases). No informative term, no lookup:
 *   a question of common words costs the vector search and the statistics only.
 * - `text_hits`: BM25 over every query term present in a candidate (binary term frequency, length
 *   normalised by distinct lexemes), times COMPLETE_MATCH_BOOST for complete matches (every term;
 *   with "quoted phrases" in the query, the websearch query itself), divided by the inverse document
 *   frequency of a single-chunk term (lexical-relevance.ts). Each candidate's tsvector is turned into
 *   its lexeme array once: the tsvector is stored compressed (the row holds a 4 KB inline vector),
 *   and every `@@` against it decompressed it again, which made scoring cost more than the lookups.
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
      : 'and exists (select 1 from documents fd where fd.id = c.document_id and fd.metadata @> (select filter from request))';
  const lengthNorm = `(1 - ${BM25_B} + ${BM25_B} * length(tc.lexemes) / corpus.average_length)`;
  const sql = `with request as materialized (
       select ?::vector as embedding, string_to_array(?, ' ') as words,
              websearch_to_tsquery('english', ?) as whole_query, ?::boolean as quoted, ?::jsonb as filter
     ),
     vector_hits as (
       select c.id, 1 - (c.embedding <=> (select embedding from request)) as similarity
       from chunks c
       where true ${filterSql}
       order by c.embedding <=> (select embedding from request)
       limit ${limit}
     ),
     corpus as materialized (
       select greatest(coalesce(sum(chunk_count), 0), 1)::float8 as chunks,
              greatest(coalesce(sum(lexeme_count), 0)::float8 / greatest(coalesce(sum(chunk_count), 0), 1), 1)
                as average_length
       from lexical_totals
     ),
     query_terms as materialized (
       select words.query, words.lexemes,
              ln(1 + (corpus.chunks - frequency.chunks + 0.5) / (frequency.chunks + 0.5)) as idf,
              frequency.chunks > 0
                and frequency.chunks <= greatest(${TEXT_CANDIDATES_PER_TERM}, ${MAX_GATHERING_TERM_SHARE} * corpus.chunks)
                as gathers
       from (
         select distinct on (parsed.query::text) parsed.query, parsed.lexemes
         from unnest((select words from request)) as word
         cross join lateral (
           select plainto_tsquery('english', word) as query,
                  tsvector_to_array(to_tsvector('english', word)) as lexemes
         ) parsed
         where numnode(parsed.query) > 0
       ) words
       cross join corpus
       cross join lateral (
         select (case when count(*) = cardinality(words.lexemes) then coalesce(min(per_lexeme.chunks), 0) else 0 end)::float8
                  as chunks
         from (
           select sum(counts.chunk_count) as chunks
           from lexical_term_counts counts
           where counts.term = any(words.lexemes)
           group by counts.term
         ) per_lexeme
       ) frequency
     ),
     text_candidates as materialized (
       select unique_found.id, strip(unique_found.content_tsv) as lexemes,
              (select quoted from request) and unique_found.content_tsv @@ (select whole_query from request) as phrase_match
       from (
         select distinct on (found.id) found.id, found.content_tsv
         from (
           select c.id, c.content_tsv
           from query_terms t
           cross join lateral (
             select c.id, c.content_tsv from chunks c
             where c.content_tsv @@ t.query ${filterSql}
             limit ${TEXT_CANDIDATES_PER_TERM}
           ) c
           where t.gathers
           union all
           (select c.id, c.content_tsv from chunks c
            where exists (select 1 from query_terms where gathers)
              and c.content_tsv @@ (select whole_query from request) ${filterSql}
            limit ${TEXT_CANDIDATES_PER_TERM})
         ) found
       ) unique_found
     ),
     text_hits as (
       select tc.id,
              sum(t.idf * ${BM25_K1 + 1} / (1 + ${BM25_K1} * ${lengthNorm}))
                * (case when (case when (select quoted from request) then tc.phrase_match
                                   else count(*) = (select count(*) from query_terms) end)
                        then ${COMPLETE_MATCH_BOOST} else 1 end)
                / ln(1 + (corpus.chunks - 0.5) / 1.5) as text_score
       from text_candidates tc
       join query_terms t on tc.lexemes @@ t.query
       cross join corpus
       group by tc.id, tc.phrase_match, corpus.chunks
       order by text_score desc
       limit ${limit}
     )
     select c.id as chunk_id, c.document_id, d.title, c.content, d.metadata, c.page, c.heading_path,
            v.similarity, t.text_score
     from chunks c
     join documents d on d.id = c.document_id and d.live_generation = c.generation
     left join vector_hits v on v.id = c.id
     left join text_hits t on t.id = c.id
     where c.id in (select id from vector_hits union select id from text_hits)`;
  const bindings = [
    embedding,
    queryTerms(query).join(' '),
    query.replace(/(^|\s)-+(?=\S)/g, '$1'),
    query.includes('"'),
    filter === undefined ? null : JSON.stringify(filter),
  ];
  // Limits are literals, not parameters: a generic plan then still knows the vector side wants 40
  // rows (an HNSW scan), where a parameter would be planned as a tenth of the table. Every parameter
  // is read only through the materialized `request` row, so a plan made for particular values
  // (PostgreSQL's custom plan) estimates no better than the generic one: after its first five
  // executions PostgreSQL keeps the generic plan instead of planning this statement on every call,
  // which at 100k chunks it did (12 of 12 calls planned anew; about 1 ms of CPU per call).
  const name = `ragchat-retrieve-${limit}${filter === undefined ? '' : '-filtered'}`;
  const result = await db.knex.raw<{ rows: CandidateRow[] }>(sql, bindings).options({ name });
  return result.rows;
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

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
