import type { Router } from '@koa/router';
import type { Config } from '../../config';
import { answerKeeper, type RecordAnswer, storedHistory } from '../../conversations/conversation-answers';
import type { Database } from '../../db/database';
import { emitQueryMetrics } from '../../observability/metrics';
import type { GenerationUsage } from '../../pipeline/types';
import { type AnswerDeps, type AnswerOutcome, answerQuery, type QueryInput } from '../../rag/answer';
import { boundHistory } from '../../rag/history';
import type { Logger } from '../../service-kit/logger';
import type { ApiResponse } from '../api-schema';
import { readBody } from '../body';
import { toErrorResponse } from '../error-handler';
import { ClientDisconnectedError, requestSignal } from '../request-signal';
import { openEventStream } from '../sse';
import type { AppContext, AppState } from '../state';
import type { UsageLimiter, UsageMeter } from '../usage/limiter';
import { parseQueryRequest } from '../validate';

export interface QueryDeps {
  readonly config: Pick<Config, 'environment' | 'limits' | 'retrieval' | 'server'>;
  readonly answer: AnswerDeps;
  readonly db: Database;
  readonly usage: UsageLimiter;
}

/**
 * Counts what one answer generated: the model's own figure when it reports one, else one token
 * per streamed piece (the local answerer streams word by word).
 */
interface GenerationCounter {
  onUsage(usage: GenerationUsage): void;
  onToken(): void;
  total(): number;
}

function generationCounter(): GenerationCounter {
  let reported: number | undefined;
  let pieces = 0;
  return {
    onUsage: (usage) => {
      reported = (reported ?? 0) + usage.outputTokens;
    },
    onToken: () => {
      pieces += 1;
    },
    total: () => reported ?? pieces,
  };
}

/**
 * POST /api/query answers as one JSON document, or, with `Accept: text/event-stream`, as events:
 * `sources`, then `token`s as the generator yields them, then `done` or `error`. Failures before
 * the first event (bad input, retrieval) are ordinary HTTP errors in both forms. With a
 * `conversationId` the history is the conversation's stored answers and the new answer is stored
 * there before `done` (which then carries its `messageId`).
 */
export function registerQueryRoutes(router: Router<AppState>, deps: QueryDeps): void {
  const { config } = deps;
  router.post('/api/query', async (ctx) => {
    const body = await readBody(ctx, ['json'], config.limits.maxBodyBytes);
    const request = parseQueryRequest(body.json, config.limits, config.retrieval.defaultTopK);
    const owner = ctx.state.identity.subject;
    const history =
      request.conversation === undefined
        ? request.history
        : await storedHistory(deps.db, owner, request.conversation, request.query);
    const input: QueryInput = {
      query: request.query,
      topK: request.topK,
      filter: request.filter,
      history: boundHistory(history, {
        maxTurns: config.limits.historyTurns,
        maxTokens: config.limits.historyTokens,
      }),
    };
    const keepAnswer = answerKeeper(
      { db: deps.db, providers: deps.answer.providers, now: deps.answer.now },
      owner,
      request.conversation,
      input.query,
    );
    const { signal, dispose } = requestSignal(ctx, config.server.requestTimeoutMs);
    let meter: UsageMeter | undefined;
    const generated = generationCounter();
    try {
      meter = await deps.usage.admit(ctx, signal);
      const outcome = wantsEventStream(ctx)
        ? await streamAnswer(ctx, deps.answer, input, signal, keepAnswer, generated)
        : await respondWithJson(ctx, deps.answer, input, signal, keepAnswer, generated);
      if (outcome !== undefined) record(ctx, config.environment, deps.answer.providers.mode, outcome);
    } finally {
      dispose();
      // Failed and cut-off answers cost tokens too.
      meter?.recordGeneratedTokens(generated.total());
    }
  });
}

function wantsEventStream(ctx: AppContext): boolean {
  return ctx.accepts('application/json', 'text/event-stream') === 'text/event-stream';
}

async function respondWithJson(
  ctx: AppContext,
  deps: AnswerDeps,
  input: QueryInput,
  signal: AbortSignal,
  keepAnswer: RecordAnswer,
  generated: GenerationCounter,
) {
  const outcome = await answerQuery(deps, input, signal, {
    onSources: () => {},
    onToken: generated.onToken,
    onUsage: generated.onUsage,
  });
  const messageId = await keepAnswer(outcome);
  ctx.body = {
    messageId,
    answer: outcome.answer,
    sources: outcome.sources,
    query: input.query,
    timings: outcome.timings,
    mode: deps.providers.mode,
    model: deps.providers.generator.model,
  } satisfies ApiResponse<'QueryResponse'>;
  return outcome;
}

/** Resolves with the outcome once `done` is sent, or undefined when the stream ended in `error`. */
async function streamAnswer(
  ctx: AppContext,
  deps: AnswerDeps,
  input: QueryInput,
  signal: AbortSignal,
  keepAnswer: RecordAnswer,
  generated: GenerationCounter,
): Promise<AnswerOutcome | undefined> {
  const { mode } = deps.providers;
  const model = deps.providers.generator.model;
  let stream: ReturnType<typeof openEventStream> | undefined;
  try {
    const outcome = await answerQuery(deps, input, signal, {
      onSources: async (sources) => {
        stream = openEventStream(ctx, signal);
        await stream.send('sources', { sources, mode, model });
      },
      onToken: (text) => {
        generated.onToken();
        return stream?.send('token', { text });
      },
      onUsage: generated.onUsage,
    });
    const messageId = await keepAnswer(outcome);
    await stream?.send('done', { answer: outcome.answer, timings: outcome.timings, messageId });
    return outcome;
  } catch (error) {
    // Before the first event the error handler still answers with a plain HTTP error.
    if (stream === undefined) throw error;
    reportStreamFailure(ctx.state.log, error);
    await stream.send('error', toErrorResponse(error).body);
    return undefined;
  } finally {
    stream?.end();
  }
}

function reportStreamFailure(log: Logger, error: unknown): void {
  if (error instanceof ClientDisconnectedError) log.info('client disconnected mid-stream');
  else if (toErrorResponse(error).status >= 500) log.error('answer stream failed', { err: error });
  else log.warn('answer stream rejected', { err: error });
}

function record(ctx: AppContext, environment: string, mode: string, outcome: AnswerOutcome): void {
  emitQueryMetrics(ctx.state.log, {
    environment,
    mode,
    outcome: outcome.sources.length === 0 ? 'no_sources' : 'answered',
    timings: outcome.timings,
    timestamp: Date.now(),
  });
}
