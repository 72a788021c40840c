export const pgvectorHnsw = {
  slug: 'pgvector-hnsw',
  title: 'Vector search in PostgreSQL with pgvector and HNSW',
  topic: 'vector-search',
  content: `# Vector search with pgvector

The pgvector extension adds a \`vector\` column type and distance operators to PostgreSQL: \`<->\` for
Euclidean distance, \`<#>\` for negative inner product and \`<=>\` for cosine distance. Keeping vectors next
to the rows they describe means one database, one backup and ordinary SQL joins and filters.

Without an index, a nearest-neighbour query compares the query vector with every row. That is exact but
grows linearly with the table. An **HNSW** index (hierarchical navigable small world) builds a layered
graph in which each vector links to a handful of close neighbours; a search enters at the top layer and
walks greedily towards the query, visiting only a small fraction of the rows.

HNSW has three knobs:

- \`m\`, the number of links per node (default 16): more links, better recall, bigger index.
- \`ef_construction\`, the candidate list size while building (default 64): slower builds, better graph.
- \`hnsw.ef_search\`, the candidate list size at query time (default 40): raise it for better recall,
  and keep it at least as large as the LIMIT of your query.

Create the index with the operator class that matches your distance, for example \`vector_cosine_ops\`
for queries ordered by \`<=>\`. Since pgvector 0.8, iterative index scans keep filtered queries from
returning too few rows.
`,
};
