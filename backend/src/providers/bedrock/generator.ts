import {
  type BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
  type GuardrailTraceAssessment,
} from '@aws-sdk/client-bedrock-runtime';
import type { AnswerRequest, Generator } from '../../pipeline/types';
import { buildPrompt } from '../../rag/prompt';
import { startBudget } from './budget';
import { answerTextOf, converseStreamInput, type InferenceSettings } from './converse';
import { MalformedResponseError, ResponseReadError, TruncatedStreamError } from './error-mapping';
import { GUARDRAIL_STOP_REASON, GuardrailInterventionError } from './guardrail';
import type { GuardrailSettings } from './options';
import { callWithRetries, explainFailure, type RetryRuntime } from './retry';

export interface ConverseGeneratorSettings {
  readonly modelId: string;
  readonly inference: InferenceSettings;
  readonly guardrail: GuardrailSettings | undefined;
  readonly runtime: RetryRuntime;
  readonly now: () => number;
}

/** A ConverseStream response read up to its first answer token. */
interface OpenedStream {
  /** The events already read, then the rest of the stream. */
  readonly events: AsyncIterable<ConverseStreamOutput>;
  readonly requestId: string | undefined;
  /** Tears down the HTTP stream; harmless after it ended. */
  close(): void;
}

async function* replay(
  buffered: readonly ConverseStreamOutput[],
  rest: AsyncIterator<ConverseStreamOutput>,
): AsyncGenerator<ConverseStreamOutput> {
  yield* buffered;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Sends the request and reads until the first answer token (or the end), so that everything that
 * can fail before the client sees a token fails inside the retried attempt.
 */
async function openStream(
  client: BedrockRuntimeClient,
  input: ConverseStreamCommandInput,
  signal: AbortSignal,
): Promise<OpenedStream> {
  const attempt = new AbortController();
  const close = () => attempt.abort();
  let requestId: string | undefined;
  try {
    const response = await client.send(new ConverseStreamCommand(input), {
      abortSignal: AbortSignal.any([signal, attempt.signal]),
    });
    requestId = response.$metadata.requestId;
    if (response.stream === undefined)
      throw new MalformedResponseError('ConverseStream response has no stream');
    const iterator = response.stream[Symbol.asyncIterator]();
    const buffered: ConverseStreamOutput[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      buffered.push(next.value);
      if (answerTextOf(next.value) !== undefined)
        return { events: replay(buffered, iterator), requestId, close };
    }
    // Ended without a token: fine for an empty answer, a cut connection (worth a retry) otherwise.
    if (!buffered.some((event) => event.messageStop !== undefined)) {
      throw new TruncatedStreamError('stream ended before its first token');
    }
    return { events: replay(buffered, iterator), requestId, close };
  } catch (error) {
    close();
    throw requestId === undefined ? error : new ResponseReadError(error, requestId);
  }
}

/**
 * Answers through ConverseStream. Failures before the first token are retried; after it, the
 * failure is thrown as an AppError (tokens already sent cannot be taken back, and a retry would
 * repeat them). The budget covers the whole answer; the caller's signal stops it at once.
 */
export function createConverseGenerator(
  client: BedrockRuntimeClient,
  settings: ConverseGeneratorSettings,
): Generator {
  const call = { purpose: 'language', operation: 'ConverseStream', modelId: settings.modelId } as const;
  const { runtime } = settings;

  async function* streamAnswer(request: AnswerRequest): AsyncGenerator<string> {
    const input = converseStreamInput(
      settings.modelId,
      buildPrompt(request),
      settings.inference,
      settings.guardrail,
    );
    const budget = startBudget(runtime.timeoutMs, settings.now, request.signal);
    let opened: { readonly value: OpenedStream; readonly attempts: number } | undefined;
    try {
      opened = await callWithRetries(call, runtime, budget, (signal) => openStream(client, input, signal));
      let stopReason: string | undefined;
      let guardrailTrace: GuardrailTraceAssessment | undefined;
      try {
        for await (const event of opened.value.events) {
          // Frames already buffered when the signal fired must not reach a client that has gone.
          budget.signal.throwIfAborted();
          const text = answerTextOf(event);
          if (text !== undefined) yield text;
          if (event.messageStop !== undefined) stopReason = event.messageStop.stopReason ?? 'unknown';
          if (event.metadata !== undefined) {
            const outputTokens = event.metadata.usage?.outputTokens;
            if (outputTokens !== undefined) request.onUsage?.({ outputTokens });
            guardrailTrace = event.metadata.trace?.guardrail ?? guardrailTrace;
          }
        }
        if (stopReason === undefined) throw new TruncatedStreamError('stream ended before messageStop');
      } catch (error) {
        throw explainFailure(
          new ResponseReadError(error, opened.value.requestId),
          call,
          budget,
          runtime,
          opened.attempts,
        );
      }
      // The metadata event (usage, trace) follows messageStop, so the stream is read to its end first.
      if (stopReason === GUARDRAIL_STOP_REASON) throw new GuardrailInterventionError(guardrailTrace);
    } finally {
      opened?.value.close();
      budget.dispose();
    }
  }

  return { model: settings.modelId, streamAnswer };
}
