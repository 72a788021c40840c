import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { BedrockOptions } from './options';

export function createBedrockClient(options: BedrockOptions): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // Our policy (retry.ts) is the only one that retries: it knows whether tokens have already
    // reached the client and how much of the time budget is left. SDK retries on top would
    // multiply the attempts (3 x 3) and sleep where tests cannot see it.
    maxAttempts: 1,
  });
}
