import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import type { Embedder } from '../../pipeline/types';
import { startBudget } from './budget';
import { ResponseReadError } from './error-mapping';
import { callWithRetries, type RetryRuntime } from './retry';
import { parseTitanEmbedding, titanRequestBody } from './titan';

export interface TitanEmbedderSettings {
  readonly modelId: string;
  readonly runtime: RetryRuntime;
  readonly now: () => number;
}

/** Titan Text Embeddings V2 through InvokeModel, one text per call (the model has no batch API). */
export function createTitanEmbedder(client: BedrockRuntimeClient, settings: TitanEmbedderSettings): Embedder {
  const call = { purpose: 'embedding', operation: 'InvokeModel', modelId: settings.modelId } as const;
  return {
    model: settings.modelId,
    async embed(text, signal) {
      const body = titanRequestBody(text);
      const budget = startBudget(settings.runtime.timeoutMs, settings.now, signal);
      try {
        const { value } = await callWithRetries(call, settings.runtime, budget, async (attemptSignal) => {
          const response = await client.send(
            new InvokeModelCommand({
              modelId: settings.modelId,
              contentType: 'application/json',
              accept: 'application/json',
              body,
            }),
            { abortSignal: attemptSignal },
          );
          try {
            return parseTitanEmbedding(response.body);
          } catch (error) {
            throw new ResponseReadError(error, response.$metadata.requestId);
          }
        });
        return value;
      } finally {
        budget.dispose();
      }
    },
  };
}
