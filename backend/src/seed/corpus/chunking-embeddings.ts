export const chunkingEmbeddings = {
  slug: 'chunking-embeddings',
  title: 'Chunking documents and choosing embeddings',
  topic: 'rag',
  content: `# Chunking and embeddings

Retrieval works on chunks, not whole documents. A chunk should hold one idea: small enough that its
embedding is not a blur of unrelated topics, large enough to make sense when quoted on its own. A few
hundred characters is a common starting point.

Good chunkers respect the structure of the text. They cut between paragraphs first, then between
sentences, and only split inside a sentence when a sentence is longer than the chunk size. A small
**overlap** repeats the end of one chunk at the start of the next so that a statement spanning the cut
can still be found.

An **embedding** is a vector of numbers that places text in a space where similar meanings sit close
together. Amazon Titan Text Embeddings V2 produces 1,024 dimensions by default and can return
normalized vectors, which makes cosine similarity the same as the dot product.

Embedding the same text twice costs money and time, so pipelines hash each document's content and skip
documents they have already stored. When a document changes, its old chunks are removed and the new
ones inserted in the same transaction, so searches never see half of each version.
`,
};
