/**
 * Per-connection settings applied when the pool opens a connection, so queries need no extra round
 * trip to tune the HNSW scan.
 *
 * - `hnsw.ef_search` (pgvector default 40) is the size of the candidate list an HNSW scan keeps; a
 *   scan can return at most this many rows, so it must stay at or above the retriever's candidate
 *   limit. The target is recall@5 ≥ 0.98 on 100k chunks. With the graph built at ef_construction 128
 *   (migration 007) the benchmark (BENCHMARKS.md, clustered synthetic embeddings) measured 0.978–0.993
 *   at 150 over eight builds (two under 0.98) and 0.982–0.994 at 200; 200 costs 0.1–0.6 ms more
 *   PostgreSQL CPU per search, and about 1 ms more per call on PGlite, whose p50 target of 8 ms it
 *   would put at risk, so 150 is kept.
 * - `hnsw.iterative_scan = relaxed_order` (pgvector 0.8+) lets a filtered query keep scanning the
 *   graph until enough rows pass the metadata filter, instead of returning too few.
 */
export const HNSW_EF_SEARCH = 150;

export const SESSION_SETTINGS_SQL = `set hnsw.ef_search = ${HNSW_EF_SEARCH}; set hnsw.iterative_scan = relaxed_order`;
