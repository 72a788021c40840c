/**
 * Per-connection settings applied when the pool opens a connection, so queries need no extra round
 * trip to tune the HNSW scan.
 *
 * - `hnsw.ef_search` (pgvector default 40) is the size of the candidate list an HNSW scan keeps; a
 *   scan can return at most this many rows, so it must stay at or above the retriever's candidate
 *   limit. The target is recall@5 ≥ 0.98 on 100k chunks. With the graph built at ef_construction 128
 *   (migration 007) the benchmark (BENCHMARKS.md, clustered synthetic embeddings) measured 0.974 at
 *   64, 0.981–0.982 at 100 and 0.987–0.988 at 200 over two builds; 150 keeps a margin over the
 *   build-to-build spread of about ±0.01 for about a quarter less scan time than 200.
 * - `hnsw.iterative_scan = relaxed_order` (pgvector 0.8+) lets a filtered query keep scanning the
 *   graph until enough rows pass the metadata filter, instead of returning too few.
 */
export const HNSW_EF_SEARCH = 150;

export const SESSION_SETTINGS_SQL = `set hnsw.ef_search = ${HNSW_EF_SEARCH}; set hnsw.iterative_scan = relaxed_order`;
