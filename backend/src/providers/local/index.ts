import type { Providers } from '../../pipeline/types';
import { createExtractiveAnswerer } from './answerer';
import { createLocalEmbedder } from './embedder';

/** Local mode: no AWS, no model download; deterministic and fast enough for tests and benchmarks. */
export function createLocalProviders(): Providers {
  return { mode: 'local', embedder: createLocalEmbedder(), generator: createExtractiveAnswerer() };
}
