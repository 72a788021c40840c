import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Providers } from '../../pipeline/types';
import { DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_DELAY_MS } from './backoff';
import { createBedrockClient } from './client';
import { createTitanEmbedder } from './embedder';
import { createConverseGenerator } from './generator';
import type { BedrockOptions } from './options';
import type { RetryRuntime } from './retry';

export {
  type BedrockOptions,
  type BedrockSettings,
  DEFAULT_EMBEDDING_MODEL_ID,
  DEFAULT_GENERATION_MODEL_ID,
  type GuardrailSettings,
  type StaticCredentials,
} from './options';
export { TITAN_MAX_INPUT_CHARS } from './titan';

export interface BedrockProviders extends Providers {
  readonly mode: 'bedrock';
  /** Closes the SDK's HTTP/2 sessions so a shutting-down process can exit. */
  close(): void;
}

const realSleep = (ms: number, signal: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal });

/** Titan V2 embeddings and ConverseStream generation on one shared Bedrock runtime client. */
export function createBedrockProviders(options: BedrockOptions): BedrockProviders {
  const client = createBedrockClient(options);
  const now = options.now ?? (() => performance.now());
  const runtime: RetryRuntime = {
    maxAttempts: options.maxAttempts,
    timeoutMs: options.requestTimeoutMs,
    backoff: {
      baseDelayMs: DEFAULT_BASE_DELAY_MS,
      maxDelayMs: DEFAULT_MAX_DELAY_MS,
      random: options.random ?? Math.random,
    },
    sleep: options.sleep ?? realSleep,
  };
  return {
    mode: 'bedrock',
    embedder: createTitanEmbedder(client, { modelId: options.embeddingModelId, runtime, now }),
    generator: createConverseGenerator(client, {
      modelId: options.generationModelId,
      inference: { maxTokens: options.maxTokens, temperature: options.temperature, topP: options.topP },
      guardrail: options.guardrail,
      runtime,
      now,
    }),
    close: () => client.destroy(),
  };
}
