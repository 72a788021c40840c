import type { Embedder } from '../../src/pipeline/types';
import { createLocalEmbedder } from '../../src/providers/local/embedder';

/** The local-mode embedder, wrapped so tests can count calls or make one of them misbehave. */
export interface TestEmbedder extends Embedder {
  /** How many embed calls were made so far. */
  readonly calls: number;
}

export interface TestEmbedderOptions {
  /** The 1-based call that throws instead of returning. */
  readonly failOnCall?: number;
  /** What the embedder returns on `failOnCall` instead of throwing (e.g. a vector the database rejects). */
  readonly badVector?: number[];
}

export function testEmbedder(options: TestEmbedderOptions = {}): TestEmbedder {
  const local = createLocalEmbedder();
  let calls = 0;
  return {
    model: local.model,
    get calls() {
      return calls;
    },
    async embed(text, signal) {
      calls += 1;
      if (calls === options.failOnCall) {
        if (options.badVector !== undefined) return options.badVector;
        throw new Error(`embedding failed on call ${calls}`);
      }
      return local.embed(text, signal);
    },
  };
}
