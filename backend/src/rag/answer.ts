import type { ChatTurn, GenerationUsage, Providers, RetrievedChunk } from '../pipeline/types';
import type { RetrieveRequest, RetrieveResult } from '../retrieval/retrieve';
import { inSpan } from '../service-kit/spans';

/** Metadata equality filter: every key must match the document's metadata value exactly. */
export type MetadataFilter = Readonly<Record<string, string | number | boolean>>;

export interface QueryInput {
  readonly query: string;
  readonly topK: number;
  /** Already bounded to the most recent turns and tokens the prompt may use (rag/history.ts). */
  readonly history: readonly ChatTurn[];
  readonly filter: MetadataFilter | undefined;
}

/** `retrieve` from retrieval/retrieve.ts with the database and embedder already bound. */
export type RetrieveFn = (request: RetrieveRequest, signal: AbortSignal) => Promise<RetrieveResult>;

export interface AnswerDeps {
  readonly providers: Providers;
  readonly retrieve: RetrieveFn;
  readonly minScore: number;
  /** Epoch milliseconds, sub-millisecond precision. */
  readonly now: () => number;
}

/** A retrieved chunk as the client sees it; `sources[i]` is cited as `[i + 1]`. */
export interface SourceView {
  readonly documentId: string;
  /** Opens the cited passage: GET /api/documents/{documentId}/passages/{chunkId}. */
  readonly chunkId: string;
  readonly title: string;
  readonly excerpt: string;
  readonly score: number;
  readonly page?: number;
  readonly headingPath?: readonly string[];
}

export interface AnswerTimings {
  readonly embeddingMs: number;
  readonly retrievalMs: number;
  readonly generationMs: number;
  readonly totalMs: number;
}

export interface AnswerOutcome {
  readonly answer: string;
  readonly sources: readonly SourceView[];
  readonly timings: AnswerTimings;
}

/** Called as the answer takes shape; a streaming response writes each one out as it comes. */
export interface AnswerListener {
  onSources(sources: readonly SourceView[]): void | Promise<void>;
  onToken(text: string): void | Promise<void>;
  /** The generator's own count of what it generated, when it reports one. */
  onUsage?(usage: GenerationUsage): void;
}

export const EXCERPT_CHARS = 240;
/** How much of the previous user turn joins the retrieval query of a follow-up. */
const PREVIOUS_QUESTION_CHARS = 500;

/**
 * The RAG flow: retrieve the best chunks, then stream a grounded answer from the generator.
 * `signal` carries the request's time budget and the client's disconnect; once it fires the flow
 * stops within a turn of the event loop even if a provider ignores the signal, and rejects with
 * the signal's reason.
 */
export async function answerQuery(
  deps: AnswerDeps,
  input: QueryInput,
  signal: AbortSignal,
  listener: AnswerListener,
): Promise<AnswerOutcome> {
  const startMs = deps.now();
  const retrieval = await untilAborted(
    inSpan('retrieval', () =>
      deps.retrieve(
        {
          query: retrievalQuery(input),
          topK: input.topK,
          minScore: deps.minScore,
          ...(input.filter === undefined ? {} : { filter: input.filter }),
        },
        signal,
      ),
    ),
    signal,
  );
  const sources = retrieval.chunks.map(toSourceView);
  await listener.onSources(sources);

  const generationStartMs = deps.now();
  const tokens = deps.providers.generator.streamAnswer({
    question: input.query,
    history: input.history,
    sources: retrieval.chunks,
    signal,
    onUsage: (usage) => listener.onUsage?.(usage),
  });
  let answer = '';
  for await (const text of abortable(tokens, signal)) {
    answer += text;
    await listener.onToken(text);
  }
  const endMs = deps.now();

  const { embeddingMs, retrievalMs } = retrieval.timings;
  return {
    answer,
    sources,
    timings: {
      embeddingMs: round(embeddingMs),
      retrievalMs: round(retrievalMs),
      generationMs: round(endMs - generationStartMs),
      totalMs: round(endMs - startMs),
    },
  };
}

/**
 * A follow-up ("and how is it billed?") names its topic only in the previous question, so that
 * question is searched together with the new one.
 */
function retrievalQuery(input: QueryInput): string {
  const previous = input.history.findLast((turn) => turn.role === 'user')?.content.trim();
  if (previous === undefined || previous === '') return input.query;
  return `${previous.slice(0, PREVIOUS_QUESTION_CHARS)}\n${input.query}`;
}

export function toSourceView(chunk: RetrievedChunk): SourceView {
  return {
    documentId: chunk.documentId,
    chunkId: chunk.chunkId,
    title: chunk.title,
    excerpt: excerpt(chunk.content),
    score: Math.round(chunk.score * 10_000) / 10_000,
    ...(chunk.page === undefined ? {} : { page: chunk.page }),
    ...(chunk.headingPath === undefined ? {} : { headingPath: chunk.headingPath }),
  };
}

function excerpt(content: string): string {
  const text = collapsedStart(content);
  if (text.length <= EXCERPT_CHARS) return text;
  const cut = text.slice(0, EXCERPT_CHARS);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > EXCERPT_CHARS / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/**
 * `content` with whitespace runs collapsed to one space and trimmed, or, when that is longer than
 * an excerpt, at least its first EXCERPT_CHARS + 2 characters: collapsing a prefix gives a prefix
 * of the collapsed whole, so a long chunk is not rewritten in full for 240 characters of it (the
 * answer shows several per question). Two more characters than the excerpt prove the whole is
 * longer than the excerpt even once trailing whitespace is trimmed (no two are spaces).
 */
function collapsedStart(content: string): string {
  for (let prefix = EXCERPT_CHARS * 2; ; prefix *= 2) {
    if (prefix >= content.length) return content.replace(/\s+/g, ' ').trim();
    const text = content.slice(0, prefix).replace(/\s+/g, ' ').trimStart();
    if (text.length >= EXCERPT_CHARS + 2) return text;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Iterates `source` but stops at the abort even while a `next()` is pending, then closes it. */
async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (true) {
      const result = await untilAborted(iterator.next(), signal);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // A provider that ignored the signal may never settle, so its cleanup is not awaited.
    if (!finished) Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
