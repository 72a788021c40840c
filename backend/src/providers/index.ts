import type { ProviderConfig } from '../config';
import type { Providers } from '../pipeline/types';
import { createBedrockProviders } from './bedrock';
import { createLocalProviders } from './local';

export interface ServiceProviders extends Providers {
  /** Releases provider connections at shutdown. */
  close(): void;
}

/** The embedder and generator chosen by PROVIDER: local (no AWS) or Bedrock. */
export function createProviders(config: ProviderConfig, requestTimeoutMs: number): ServiceProviders {
  if (config.kind === 'local') return { ...createLocalProviders(), close: () => undefined };
  return createBedrockProviders({ ...config, requestTimeoutMs });
}
