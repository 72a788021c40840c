export const hybridSearch = {
  slug: 'hybrid-search',
  title: 'Hybrid search: combining keywords and vectors with reciprocal rank fusion',
  topic: 'vector-search',
  content: `# Hybrid search

Vector search is good at meaning and poor at exact tokens. Ask for an error code, a product name or a
version number and the nearest embeddings may be about something merely similar. Keyword search has the
opposite profile. **Hybrid search** runs both and merges the results.

In PostgreSQL the keyword half is full-text search: a generated \`tsvector\` column holds the normalized
words of each chunk, a GIN index makes matching fast, and \`websearch_to_tsquery\` turns what a user typed
into a query. \`ts_rank_cd\` scores how densely the matched words appear.

The two result lists use unrelated scales, so adding raw scores is meaningless. **Reciprocal rank fusion
(RRF)** avoids the problem by looking only at positions: every list adds \`1 / (k + rank)\` for each item,
with k commonly 60, and the merged order follows the sums. An item that both lists place near the top
wins over an item that only one list likes.

A minimum score turns ranking into a decision. If even the best candidate scores poorly, the honest
result is an empty list, and the assistant says it does not know instead of citing noise.
`,
};
