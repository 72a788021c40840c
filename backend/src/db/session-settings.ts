/**
 * Per-connection settings applied when the pool opens a connection, so queries need no extra round
 * trip to tune the HNSW scan.
 *
 * - `hnsw.ef_search` (pgvector default 40) is the size of the candidate list an HNSW scan keeps; a
 *   scan can return at most this many rows, so it must stay at or above the retriever's candidate
 *   limit. The target is recall@5 ≥ 0.98 on 100k chunks: the benchmark (BENCHMARKS.md, clustered
 *   synthetic embeddings) measured 0.956 at 40, 0.972 at 100 and 0.982 at 200, for about 2.5 ms more
 *   per scan than at 100 on a loaded machine.
 * - `hnsw.iterative_scan = relaxed_order` (pgvector 0.8+) lets a filtered query keep scanning the
 *   graph until enough rows pass the metadata filter, instead of returning too few.
 */
export const HNSW_EF_SEARCH = 200;

export const SESSION_SETTINGS_SQL = `set hnsw.ef_search = ${HNSW_EF_SEARCH}; set hnsw.iterative_scan = relaxed_order`;
