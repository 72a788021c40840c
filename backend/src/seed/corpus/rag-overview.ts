export const ragOverview = {
  slug: 'rag-overview',
  title: 'What retrieval-augmented generation is and why it helps',
  topic: 'rag',
  content: `# Retrieval-augmented generation

A large language model only knows what was in its training data, and it will happily produce a fluent
answer even when it does not know. **Retrieval-augmented generation (RAG)** narrows that gap: before
the model answers, the application searches its own documents for passages related to the question
and places the best ones in the prompt. The model is asked to answer from those passages only.

A RAG pipeline has two halves:

1. **Ingestion** splits each document into chunks, turns every chunk into an embedding vector and
   stores text and vector together.
2. **Answering** embeds the question, retrieves the nearest chunks, builds a prompt with numbered
   sources and lets the model write an answer that cites them as [1], [2] and so on.

Citations matter. They let a reader check a claim against the source, and they make it obvious when
the model strays beyond its material. When retrieval finds nothing relevant the honest response is
"I don't know", which the prompt should explicitly allow.

RAG keeps knowledge fresh without retraining: adding or replacing a document changes the answers as
soon as its chunks are indexed.
`,
};
