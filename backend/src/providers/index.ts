import type { ProviderConfig } from '../config';
import type { Providers } from '../rag/types';
import { createBedrockProviders } from './bedrock';
import { createLocalProviders } from './local';

export interface ServiceProviders extends Providers {
  /** Releases provider connections at shutdown. */
  close(): void;
}

/** The embedder and generator chosen by PROVIDER: local (no AWS) or Bedrock. */
export function createProviders(config: ProviderConfig, requestTimeoutMs: number): ServiceProviders {
  if (config.kind === 'local') return { ...createLocalProviders(), close: () => undefined };
  return createBedrockProviders({
    region: config.region,
    endpoint: config.endpoint,
    embeddingModelId: config.embeddingModelId,
    generationModelId: config.generationModelId,
    maxAttempts: config.maxAttempts,
    requestTimeoutMs,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    topP: config.topP,
    guardrail: config.guardrail,
  });
}
