import { BM25_B, BM25_K1 } from './lexical-relevance';

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
 * Which candidates a statement finds: the vector side, the lexical side, or both in one statement
 * (one connection: PGlite, a transaction, or a pool with no connection to spare).
 */
export type CandidateSides = 'vector' | 'lexical' | 'both';

/** A visible chunk's stored row, as retrieve() returns it. */
export interface ChunkRow {
  chunk_id: string;
  document_id: string;
  title: string;
  content: string;
  metadata: Record<string, unknown>;
  page: number | null;
  heading_path: string[] | null;
}

/**
 * A candidate of either side with its scores; the best `rowLimit` of each side also with their
 * row (`row_read`), whose columns are null when the chunk is not visible (deleted, or of a version
 * still being written or already replaced). The other candidates' rows are not read.
 */
export type CandidateRow = {
  similarity: number | null;
  /** BM25, normalized (see the lexical side below); null when the chunk is no full-text hit. */
  text_score: number | null;
  row_read: boolean;
} & (ChunkRow | (Pick<ChunkRow, 'chunk_id'> & { [column in Exclude<keyof ChunkRow, 'chunk_id'>]: null }));

/** What a candidate statement is asked; each statement binds only the values its sides read. */
export interface CandidateQuery {
  /** The query embedding in pgvector's binary form (db/vector-parameter.ts). */
  readonly embedding: Buffer;
  /** The query's words (query-terms.ts), space-separated. */
  readonly words: string;
  /** The query for websearch_to_tsquery (quoted phrases). */
  readonly searchQuery: string;
  readonly quoted: boolean;
  readonly filter: Readonly<Record<string, unknown>> | undefined;
  /** Each side's best this many candidates come back with their chunk row (the fused top K's). */
  readonly rowLimit: number;
}

export interface CandidateStatement {
  /** The prepared statement's name: one per sides, candidate limit and filter shape. */
  readonly name: string;
  readonly text: string;
  readonly bindings: (query: CandidateQuery) => unknown[];
}

/**
 * The statement finding `sides`' candidates with their scores, and the rows of each side's best
 * `rowLimit` (the rest are not read: the other chunks that survive the fusion are read afterwards). Its text never
 * changes for given sides, limit and filter shape (the query words arrive as one space-separated
 * parameter), so each pooled connection parses and plans it once; the texts are built once per
 * process.
 */
export function candidateStatement(
  sides: CandidateSides,
  limit: number,
  filtered: boolean,
): CandidateStatement {
  const key = `${sides}-${limit}${filtered ? '-filtered' : ''}`;
  let statement = statements.get(key);
  if (statement === undefined) {
    statement = buildStatement(sides, limit, filtered, key);
    statements.set(key, statement);
  }
  return statement;
}

const statements = new Map<string, CandidateStatement>();

function buildStatement(
  sides: CandidateSides,
  limit: number,
  filtered: boolean,
  key: string,
): CandidateStatement {
  const vector = sides !== 'lexical';
  const lexical = sides !== 'vector';
  const columns: string[] = [];
  const values: ((query: CandidateQuery) => unknown)[] = [];
  const bind = (column: string, value: (query: CandidateQuery) => unknown) => {
    values.push(value);
    columns.push(column.replace('$?', `$${values.length}`));
  };
  if (vector) bind('$?::vector as embedding', (query) => query.embedding);
  if (lexical) {
    bind(`string_to_array($?, ' ') as words`, (query) => query.words);
    bind(`websearch_to_tsquery('english', $?) as whole_query`, (query) => query.searchQuery);
    bind('$?::boolean as quoted', (query) => query.quoted);
  }
  if (filtered) bind('$?::jsonb as filter', (query) => JSON.stringify(query.filter));
  bind('$?::integer as row_limit', (query) => query.rowLimit);
  const filterOf = (chunkId: string) =>
    filtered
      ? `and exists (select 1 from chunks fc join documents fd on fd.id = fc.document_id
                     where fc.id = ${chunkId} and fd.metadata @> (select filter from request))`
      : '';
  const ctes = [`request as materialized (select ${columns.join(', ')})`];
  if (vector) {
    ctes.push(
      vectorHits(limit, filterOf),
      'vector_ranked as (select id, distance, row_number() over (order by distance, id) as position from vector_hits)',
    );
  }
  if (lexical) {
    ctes.push(
      ...lexicalHits(limit, filterOf),
      'text_ranked as (select id, text_score, row_number() over (order by text_score desc, id) as position from text_hits)',
    );
  }
  const ranked = {
    both: `select coalesce(v.id, t.id) as id, 1 - v.distance as similarity, t.text_score,
                  coalesce(v.position <= (select row_limit from request), false)
                    or coalesce(t.position <= (select row_limit from request), false) as row_read
           from vector_ranked v full join text_ranked t on t.id = v.id`,
    vector: `select id, 1 - distance as similarity, null::float8 as text_score,
                    position <= (select row_limit from request) as row_read
             from vector_ranked`,
    lexical: `select id, null::float8 as similarity, text_score,
                     position <= (select row_limit from request) as row_read
              from text_ranked`,
  }[sides];
  // Each side's best `row_limit` candidates come with their row, as the fused top K is read: when
  // the fused top K is among them (always, when the words carry no signal), no further statement runs.
  // `offset 0` keeps the lateral subquery from being flattened: flattened, `h.row_read` became a
  // join filter applied after reading every candidate's chunk and document (EXPLAIN: 40 of each,
  // 280 buffers); unflattened it gates the subquery, and only the few rows wanted are read.
  const select = `select h.id as chunk_id, h.similarity, h.text_score, h.row_read,
         r.document_id, r.title, r.content, r.metadata, r.page, r.heading_path
       from (${ranked}) h
       left join lateral (
         select c.document_id, d.title, c.content, d.metadata, c.page, c.heading_path
         from chunks c
         join documents d on d.id = c.document_id and d.live_generation = c.generation
         where c.id = h.id and h.row_read
         offset 0
       ) r on true`;
  // Limits are literals, not parameters: a generic plan then still knows the vector side wants 40
  // rows (an HNSW scan), where a parameter would be planned as a tenth of the table. Every parameter
  // is read only through the materialized `request` row, so a plan made for particular values
  // (PostgreSQL's custom plan) estimates no better than the generic one: after its first five
  // executions PostgreSQL keeps the generic plan instead of planning this statement on every call,
  // which at 100k chunks it did (12 of 12 calls planned anew; about 1 ms of CPU per call).
  return {
    name: `ragchat-retrieve-${key.replace(/^both-/, '')}`,
    text: `with ${ctes.join(',\n')}\n${select}`,
    bindings: (query) => values.map((value) => value(query)),
  };
}

/**
 * `vector_hits`: the nearest chunks by cosine distance through the HNSW index. The distance is
 * selected once and ordered by its alias: selecting `1 - (embedding <=> q)` beside
 * `order by embedding <=> q` made PostgreSQL compute the 1024-dimension distance twice per row.
 */
function vectorHits(limit: number, filterOf: (chunkId: string) => string): string {
  return `vector_hits as (
       select c.id, c.embedding <=> (select embedding from request) as distance
       from chunks c
       where true ${filterOf('c.id')}
       order by distance
       limit ${limit}
     )`;
}

/**
 * SQL: does the chunk `length`, `id` hold every lexeme of query term `term`? One
 * index-only probe of lexical_postings per lexeme, as scalar subqueries: PostgreSQL runs those per
 * row, where an EXISTS may be turned into a join that reads every posting of a common term.
 * `knownLexeme` is one the chunk is known to hold.
 */
function holdsTerm(term: string, length: string, id: string, knownLexeme?: string): string {
  const rarest = probe(`${term}.rarest`, length, id);
  return `((${knownLexeme === undefined ? rarest : `coalesce(${knownLexeme} = ${term}.rarest, false) or ${rarest}`})
          and ${holdsOtherLexemes(term, length, id)})`;
}

/**
 * SQL: does the chunk hold the lexemes of `term` other than its rarest? Most words have one lexeme,
 * and then this is true without a probe.
 */
function holdsOtherLexemes(term: string, length: string, id: string): string {
  return `(cardinality(${term}.lexemes) = 1 or coalesce((
            select bool_and(${probe('other.lexeme', length, id)})
            from unnest(${term}.lexemes) as other (lexeme) where other.lexeme <> ${term}.rarest), true))`;
}

function probe(lexeme: string, length: string, id: string): string {
  return `coalesce((select true from lexical_postings hp
                where hp.term = ${lexeme} and hp.chunk_length = ${length} and hp.chunk_id = ${id}), false)`;
}

/**
 * The lexical side, ending in `text_hits`:
 *
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
 * - No informative term, no lookup: a question of common words costs the statistics only.
 */
function lexicalHits(limit: number, filterOf: (chunkId: string) => string): string[] {
  // Float literals are typed float8: an untyped one is numeric, and `0.75 * chunk_length` then ran in
  // numeric arithmetic and went through text to reach float8, per row (perf: ~4% of the statement).
  const lengthNorm = (length: string, averageLength: string) =>
    `(1 - ${BM25_B}::float8 + ${BM25_B}::float8 * ${length} / ${averageLength})`;
  return [
    `corpus as materialized (
       select greatest(coalesce(sum(chunk_count), 0), 1)::float8 as chunks,
              greatest(coalesce(sum(lexeme_count), 0)::float8 / greatest(coalesce(sum(chunk_count), 0), 1), 1)
                as average_length
       from lexical_totals
     )`,
    `query_terms as materialized (
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
     )`,
    `gathered as (
       select t.term_index, p.chunk_id, p.chunk_length
       from query_terms t
       cross join lateral (
         select p.chunk_id, p.chunk_length from lexical_postings p
         where p.term = t.rarest and ${holdsOtherLexemes('t', 'p.chunk_length', 'p.chunk_id')} ${filterOf('p.chunk_id')}
         order by p.chunk_length, p.chunk_id
         limit ${TEXT_CANDIDATES_PER_TERM}
       ) p
       where t.gathers
     )`,
    `complete_hits as (
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
     )`,
    `best_candidates as (
       select found.chunk_id, found.chunk_length, array_agg(found.term_index) as terms_found
       from (
         select term_index, chunk_id, chunk_length from gathered
         union
         select t.term_index, c.chunk_id, c.chunk_length from complete_hits c cross join query_terms t where t.gathers
       ) found
       join query_terms t using (term_index)
       group by found.chunk_id, found.chunk_length
       order by sum(t.idf) / (1 + ${BM25_K1}::float8 * ${lengthNorm('found.chunk_length', '(select average_length from corpus)')}) desc
       limit ${limit}
     )`,
    `scored as (
       select s.chunk_id, s.chunk_length, count(*) as matched,
              sum(t.idf * ${BM25_K1 + 1}::float8 / (1 + ${BM25_K1}::float8 * ${lengthNorm('s.chunk_length', 'corpus.average_length')})) as bm25
       from best_candidates s
       join query_terms t
         on t.term_index = any(s.terms_found)
            or (not (t.gathers and t.chunks <= ${TEXT_CANDIDATES_PER_TERM})
                and ${holdsTerm('t', 's.chunk_length', 's.chunk_id')})
       cross join corpus
       group by s.chunk_id, s.chunk_length
     )`,
    `text_hits as (
       select s.chunk_id as id,
              s.bm25
                * (case when s.matched = (select count(*) from query_terms)
                             and (not (select quoted from request)
                                  or (select pc.content_tsv @@ (select whole_query from request)
                                      from chunks pc where pc.id = s.chunk_id))
                        then ${COMPLETE_MATCH_BOOST}::float8 else 1 end)
                / ln(1 + (corpus.chunks - 0.5) / 1.5) as text_score
       from scored s
       cross join corpus
     )`,
  ];
}
