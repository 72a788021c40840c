import {
  type BedrockOptions,
  type BedrockProviders,
  createBedrockProviders,
} from '../../src/providers/bedrock';
import { type FakeBedrock, startFakeBedrock } from './server';

export interface TestProviders {
  readonly providers: BedrockProviders;
  /** Every backoff the providers asked to sleep, in milliseconds. */
  readonly sleeps: number[];
}

/**
 * Real providers on the real SDK client, pointed at the fake with static credentials. Backoff
 * sleeps return at once (and are recorded); jitter is fixed at half the ceiling.
 */
export function providersFor(fake: FakeBedrock, overrides: Partial<BedrockOptions> = {}): TestProviders {
  const sleeps: number[] = [];
  const providers = createBedrockProviders({
    region: 'eu-west-1',
    endpoint: fake.endpoint,
    credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
    embeddingModelId: 'amazon.titan-embed-text-v2:0',
    generationModelId: 'meta.llama3-8b-instruct-v1:0',
    maxAttempts: 3,
    requestTimeoutMs: 10_000,
    maxTokens: 512,
    temperature: 0.2,
    random: () => 0.5,
    sleep: async (ms, signal) => {
      signal.throwIfAborted();
      sleeps.push(ms);
    },
    ...overrides,
  });
  return { providers, sleeps };
}

/** Drains a token stream, keeping what arrived before it failed. */
export async function collect(stream: AsyncIterable<string>): Promise<{ tokens: string[]; error: unknown }> {
  const tokens: string[] = [];
  try {
    for await (const token of stream) tokens.push(token);
    return { tokens, error: undefined };
  } catch (error) {
    return { tokens, error };
  }
}

/**
 * A fresh fake for every test of the calling file, closed after it together with the providers
 * that test built with `setUp`.
 */
export function useFakeBedrock() {
  let fake: FakeBedrock | undefined;
  let harness: TestProviders | undefined;
  beforeEach(async () => {
    fake = await startFakeBedrock();
  });
  afterEach(async () => {
    harness?.providers.close();
    harness = undefined;
    await fake?.close();
  });
  const current = (): FakeBedrock => {
    if (fake === undefined) throw new Error('the fake Bedrock runs only inside a test');
    return fake;
  };
  return {
    get fake(): FakeBedrock {
      return current();
    },
    setUp(overrides: Partial<BedrockOptions> = {}): TestProviders {
      harness = providersFor(current(), overrides);
      return harness;
    },
  };
}
