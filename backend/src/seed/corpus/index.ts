import { bedrock } from './bedrock';
import { blueGreen } from './blue-green';
import { chunkingEmbeddings } from './chunking-embeddings';
import { ecsFargate } from './ecs-fargate';
import { ecsNetworking } from './ecs-networking';
import { gitopsDeploys } from './gitops-deploys';
import { hybridSearch } from './hybrid-search';
import { iamSecurity } from './iam-security';
import { pgvectorHnsw } from './pgvector-hnsw';
import { ragOverview } from './rag-overview';

export interface SampleDocument {
  /** Stable name; the stored `source` is `sample-corpus/<slug>.md`. */
  readonly slug: string;
  readonly title: string;
  readonly topic: string;
  /** Markdown. */
  readonly content: string;
}

/**
 * The sample corpus, original text written for this project. Each document is a TypeScript module
 * holding markdown rather than a `.md` file because tsc does not copy `.md` files into `dist/`; this
 * way the corpus ships with the compiled service and reads the same under jest.
 */
export const SAMPLE_CORPUS: readonly SampleDocument[] = [
  ecsFargate,
  ecsNetworking,
  ragOverview,
  chunkingEmbeddings,
  pgvectorHnsw,
  hybridSearch,
  bedrock,
  iamSecurity,
  gitopsDeploys,
  blueGreen,
];
