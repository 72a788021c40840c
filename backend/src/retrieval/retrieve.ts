import { performance } from 'node:perf_hooks';
import type { Database } from '../db/database';
import { queryPrepared } from '../db/prepared-query';
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

/** A candidate of either side, without its text: the statement that finds candidates reads no chunk row. */
interface CandidateScore {
  chunk_id: string;
  similarity: number | null;
  /** BM25, normalized (see selectCandidates); null when the chunk is no full-text hit. */
  text_score: number | null;
}

interface ChunkRow {
  chunk_id: string;
  document_id: string;
  title: string;
  content: string;
  metadata: Record<string, unknown>;
  page: number | null;
  heading_path: string[] | null;
}

/**
 * Hybrid search: the nearest chunks by cosine distance (HNSW) and the best full-text matches come
 * back as ids and scores from one statement, are merged in code by relevance-weighted reciprocal
 * rank fusion (rank-fusion.ts), and only the fused top K are read with their text by a second,
 * small statement: reading the rows of all 40–80 candidates cost PostgreSQL about what the second
 * round trip does, and Node then decoded 40–80 rows with text instead of topK (BENCHMARKS.md).
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
  const { vector, lexical } = rankCandidates(
    await selectCandidates(db, embedding, query, candidateLimit(topK), filter),
  );
  // Matches of common words only carry no information: they stay out of the fusion entirely.
  const informative = lexical.filter(({ relevance }) => relevance >= MIN_LEXICAL_RELEVANCE);
  const ranked = fuseRankings([vector, informative]).filter(({ score }) => score >= minScore);
  // Rows are read for the best topK only. A candidate whose chunk is not visible any more (deleted,
  // or of a version still being written or already replaced) is skipped, and the next ones are read.
  const chunks: RetrievedChunk[] = [];
  for (let next = 0; chunks.length < topK && next < ranked.length; ) {
    const wanted = ranked.slice(next, next + topK - chunks.length);
    next += wanted.length;
    const byId = new Map(
      (
        await selectChunks(
          db,
          wanted.map(({ id }) => id),
        )
      ).map((row) => [row.chunk_id, row]),
    );
    for (const { id, score } of wanted) {
      const row = byId.get(id);
      if (row !== undefined) chunks.push(toRetrievedChunk(row, score));
    }
  }
  const retrievalMs = performance.now() - retrievalStarted;
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

function rankCandidates(rows: readonly CandidateScore[]): SideRankings {
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
 * Full-text candidates: each informative query term's TEXT_CANDIDATES_PER_TERM best chunks by BM25
 * (all of its chunks when it has no more), plus the best chunks holding every informative word.
 */
export const TEXT_CANDIDATES_PER_TERM = 100;

/**
 * A term found in more than this share of the chunks gathers no candidates of its own: its inverse
 * document frequency is too low for a match to mean much. It still counts in the score of candidates
 * other terms bring. Terms found in at most TEXT_CANDIDATES_PER_TERM chunks always gather (small
 * corpora).
 */
export const MAX_GATHERING_TERM_SHARE = 0.1;

/**
 * When the rarest informative word has more chunks than one term gathers, chunks holding every
 * informative word are looked for among this many of its best: each costs an index probe, and a
 * chunk further down that list is long enough for the gathered ones to outscore it.
 */
export const COMPLETE_MATCH_SCAN = 200;

/** A chunk matching the whole query (every word, quoted phrases in order) scores this much more. */
export const COMPLETE_MATCH_BOOST = 1.5;

/**
 * SQL: does the chunk `length`, `id` hold every lexeme of query term `term`? One
 * index-only probe of lexical_postings per lexeme, as scalar subqueries: PostgreSQL runs those per
 * row, where an EXISTS may be turned into a join that reads every posting of a common term.
 * `knownLexeme` is one the chunk is known to hold.
 */
function holdsTerm(term: string, length: string, id: string, knownLexeme?: string): string {
  const probe = (lexeme: string) =>
    `coalesce((select true from lexical_postings hp
                where hp.term = ${lexeme} and hp.chunk_length = ${length} and hp.chunk_id = ${id}), false)`;
  const rarest = probe(`${term}.rarest`);
  return `((${knownLexeme === undefined ? rarest : `coalesce(${knownLexeme} = ${term}.rarest, false) or ${rarest}`})
          and (cardinality(${term}.lexemes) = 1 or coalesce((
            select bool_and(${probe('other.lexeme')})
            from unnest(${term}.lexemes) as other (lexeme) where other.lexeme <> ${term}.rarest), true)))`;
}

/**
 * The candidates of both sides with their scores and nothing else (no chunk row is read: the text of
 * the few chunks that survive the fusion comes from selectChunks). One prepared statement per
 * candidate limit and filter shape (its text never changes; the query words arrive as one
 * space-separated parameter), so each pooled connection parses and plans it once:
 *
 * - `vector_hits`: nearest chunks by cosine distance through the HNSW index.
 * - `query_terms`: each query word as PostgreSQL's english configuration stems it (stop words drop
 *   out), with its document frequency summed over the shards of `lexical_term_counts`, its BM25
 *   inverse document frequency over the chunk count in `lexical_totals` (migration 007) and its
 *   rarest lexeme.
 * - `gathered`: for each informative term (MAX_GATHERING_TERM_SHARE) its best
 *   TEXT_CANDIDATES_PER_TERM chunks by BM25. With binary term frequency those are its shortest
 *   chunks: the first entries of its rarest lexeme in `lexical_postings` (migration 008, ordered by
 *   chunk length), an index-only scan that never reads `chunks`. A term with no more chunks than
 *   that brings all of them, so a candidate missing from its list does not hold it.
 * - `complete_hits`: when even the rarest informative word has more chunks than that, the shortest
 *   chunks holding every informative word, among its first COMPLETE_MATCH_SCAN entries.
 * - `best_candidates`: the candidates ranked by the BM25 of the terms that brought them; only the
 *   best `limit` go on.
 * - `scored`: their full BM25 (binary term frequency, length normalised by distinct lexemes): the
 *   terms that brought them, plus one postings probe for each term whose list was cut short or that
 *   gathers nothing (a common word).
 * - `text_hits`: times COMPLETE_MATCH_BOOST for complete matches (every term; with "quoted phrases"
 *   in the query, those matching the websearch query itself, checked on the candidate's own
 *   tsvector), divided by the inverse document frequency of a single-chunk term
 *   (lexical-relevance.ts).
 * - No informative term, no lookup: a question of common words costs the vector search and the
 *   statistics only.
 */
async function selectCandidates(
  db: Database,
  embedding: Buffer,
  query: string,
  limit: number,
  filter: Readonly<Record<string, unknown>> | undefined,
): Promise<CandidateScore[]> {
  const filterOf = (chunkId: string) =>
    filter === undefined
      ? ''
      : `and exists (select 1 from chunks fc join documents fd on fd.id = fc.document_id
                     where fc.id = ${chunkId} and fd.metadata @> (select filter from request))`;
  const lengthNorm = `(1 - ${BM25_B} + ${BM25_B} * s.chunk_length / corpus.average_length)`;
  const sql = `with request as materialized (
       select $1::vector as embedding, string_to_array($2, ' ') as words,
              websearch_to_tsquery('english', $3) as whole_query, $4::boolean as quoted, $5::jsonb as filter
     ),
     vector_hits as (
       select c.id, 1 - (c.embedding <=> (select embedding from request)) as similarity
       from chunks c
       where true ${filterOf('c.id')}
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
       select row_number() over () as term_index, words.lexemes, frequency.rarest, frequency.chunks,
              ln(1 + (corpus.chunks - frequency.chunks + 0.5) / (frequency.chunks + 0.5)) as idf,
              frequency.chunks > 0
                and frequency.chunks <= greatest(${TEXT_CANDIDATES_PER_TERM}, ${MAX_GATHERING_TERM_SHARE} * corpus.chunks)
                as gathers
       from (
         select distinct on (parsed.lexemes) parsed.lexemes
         from unnest((select words from request)) as word
         cross join lateral (select tsvector_to_array(to_tsvector('english', word)) as lexemes) parsed
         where cardinality(parsed.lexemes) > 0
       ) words
       cross join corpus
       cross join lateral (
         select (case when count(*) = cardinality(words.lexemes) then coalesce(min(per_lexeme.chunks), 0) else 0 end)::float8
                  as chunks,
                (array_agg(per_lexeme.term order by per_lexeme.chunks, per_lexeme.term))[1] as rarest
         from (
           select counts.term, sum(counts.chunk_count) as chunks
           from lexical_term_counts counts
           where counts.term = any(words.lexemes)
           group by counts.term
           having sum(counts.chunk_count) > 0
         ) per_lexeme
       ) frequency
     ),
     gathered as (
       select t.term_index, p.chunk_id, p.chunk_length
       from query_terms t
       cross join lateral (
         select p.chunk_id, p.chunk_length from lexical_postings p
         where p.term = t.rarest and ${holdsTerm('t', 'p.chunk_length', 'p.chunk_id', 'p.term')} ${filterOf('p.chunk_id')}
         order by p.chunk_length, p.chunk_id
         limit ${TEXT_CANDIDATES_PER_TERM}
       ) p
       where t.gathers
     ),
     complete_hits as (
       select p.chunk_id, p.chunk_length
       from (select rarest, chunks from query_terms where gathers order by chunks limit 1) r
       cross join lateral (
         select p.chunk_id, p.chunk_length from lexical_postings p
         where p.term = r.rarest
         order by p.chunk_length, p.chunk_id
         limit ${COMPLETE_MATCH_SCAN}
       ) p
       where r.chunks > ${TEXT_CANDIDATES_PER_TERM}
         and not exists (
           select 1 from query_terms t
           where t.gathers and not ${holdsTerm('t', 'p.chunk_length', 'p.chunk_id', 'r.rarest')})
         ${filterOf('p.chunk_id')}
       limit ${TEXT_CANDIDATES_PER_TERM}
     ),
     best_candidates as (
       select found.chunk_id, found.chunk_length, array_agg(found.term_index) as terms_found
       from (
         select term_index, chunk_id, chunk_length from gathered
         union
         select t.term_index, c.chunk_id, c.chunk_length from complete_hits c cross join query_terms t where t.gathers
       ) found
       join query_terms t using (term_index)
       group by found.chunk_id, found.chunk_length
       order by sum(t.idf) / (1 + ${BM25_K1} * (1 - ${BM25_B} + ${BM25_B} * found.chunk_length / (select average_length from corpus))) desc
       limit ${limit}
     ),
     scored as (
       select s.chunk_id, s.chunk_length, count(*) as matched,
              sum(t.idf * ${BM25_K1 + 1} / (1 + ${BM25_K1} * ${lengthNorm})) as bm25
       from best_candidates s
       join query_terms t
         on t.term_index = any(s.terms_found)
            or (not (t.gathers and t.chunks <= ${TEXT_CANDIDATES_PER_TERM})
                and ${holdsTerm('t', 's.chunk_length', 's.chunk_id')})
       cross join corpus
       group by s.chunk_id, s.chunk_length
     ),
     text_hits as (
       select s.chunk_id as id,
              s.bm25
                * (case when s.matched = (select count(*) from query_terms)
                             and (not (select quoted from request)
                                  or (select pc.content_tsv @@ (select whole_query from request)
                                      from chunks pc where pc.id = s.chunk_id))
                        then ${COMPLETE_MATCH_BOOST} else 1 end)
                / ln(1 + (corpus.chunks - 0.5) / 1.5) as text_score
       from scored s
       cross join corpus
     )
     select id as chunk_id, v.similarity, t.text_score
     from vector_hits v full join text_hits t using (id)`;
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
  return queryPrepared<CandidateScore>(db, name, sql, bindings);
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
    `select c.id as chunk_id, c.document_id, d.title, c.content, d.metadata, c.page, c.heading_path
     from chunks c
     join documents d on d.id = c.document_id and d.live_generation = c.generation
     where c.id = any($1::uuid[])`,
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

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
