/** The shapes every part of the RAG pipeline agrees on. */

export const EMBEDDING_DIMENSIONS = 1024;

export interface Embedder {
  /** Model id reported by /api/stats, e.g. `amazon.titan-embed-text-v2:0` or `local-hash-v2`. */
  readonly model: string;
  /** Returns an L2-normalized vector of EMBEDDING_DIMENSIONS numbers. */
  embed(text: string, signal?: AbortSignal): Promise<number[]>;
}

export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface RetrievedChunk {
  readonly chunkId: string;
  readonly documentId: string;
  readonly title: string;
  readonly content: string;
  /** Fused relevance in [0, 1]; higher is better. */
  readonly score: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The PDF page the chunk is on. */
  readonly page?: number;
  /** Headings above the chunk, outermost first. */
  readonly headingPath?: readonly string[];
}

export interface AnswerRequest {
  readonly question: string;
  /** Recent turns, oldest first, already bounded by HISTORY_TURNS and HISTORY_MAX_TOKENS. */
  readonly history: readonly ChatTurn[];
  /** Numbered sources: `sources[i]` is cited as `[i + 1]`. Empty means nothing relevant was found. */
  readonly sources: readonly RetrievedChunk[];
  readonly signal?: AbortSignal;
  /** Told what the model reports it generated, when it reports it (Bedrock's `usage`). */
  readonly onUsage?: (usage: GenerationUsage) => void;
}

export interface GenerationUsage {
  readonly outputTokens: number;
}

export interface Generator {
  /** Model id reported by /api/stats and the answer metadata. */
  readonly model: string;
  /** Streams the answer as text deltas; throws AppError on provider failure. */
  streamAnswer(request: AnswerRequest): AsyncIterable<string>;
}

export interface Providers {
  readonly mode: 'local' | 'bedrock';
  readonly embedder: Embedder;
  readonly generator: Generator;
}
