/**
 * Questions over the sample corpus (src/seed/corpus), each labelled with its answer: the chunk of
 * document `slug` whose text contains `answer`. Most are phrased as people ask (mostly common
 * words); a few are the exact identifiers people paste (an API name, a hook name).
 */
export interface SampleQuestion {
  readonly question: string;
  readonly slug: string;
  readonly answer: string;
}

export const SAMPLE_QUESTIONS: readonly SampleQuestion[] = [
  {
    question: 'How do I retry when Bedrock throttles my requests?',
    slug: 'bedrock',
    answer: 'exponential backoff',
  },
  {
    question: 'Which API streams chat answers as they are generated?',
    slug: 'bedrock',
    answer: 'ConverseStream',
  },
  { question: 'InvokeModel', slug: 'bedrock', answer: 'InvokeModel' },
  {
    question: "What happens to files written to a Fargate task's local disk?",
    slug: 'ecs-fargate',
    answer: 'lost when it stops',
  },
  {
    question: 'Should I pin container images by tag or by digest?',
    slug: 'ecs-fargate',
    answer: 'Pin images by digest',
  },
  {
    question: 'What goes into a task definition?',
    slug: 'ecs-fargate',
    answer: 'task definition**: the images',
  },
  { question: 'Which network mode do Fargate tasks use?', slug: 'ecs-networking', answer: 'awsvpc' },
  {
    question: 'How can tasks in private subnets pull images without a NAT gateway?',
    slug: 'ecs-networking',
    answer: 'VPC endpoints for ECR',
  },
  { question: 'What should the load balancer health check call?', slug: 'ecs-networking', answer: '/health' },
  {
    question: 'What is the test listener used for in blue/green deployments?',
    slug: 'blue-green',
    answer: 'test listener',
  },
  { question: 'AfterAllowTestTraffic', slug: 'blue-green', answer: 'AfterAllowTestTraffic' },
  {
    question: 'How do I roll back after a deployment has completed?',
    slug: 'blue-green',
    answer: 'rolling back means deploying',
  },
  {
    question: 'What is the difference between the execution role and the task role?',
    slug: 'iam-security',
    answer: 'The **execution role**',
  },
  {
    question: 'Where should I keep database passwords?',
    slug: 'iam-security',
    answer: 'AWS Secrets Manager',
  },
  {
    question: 'How does GitHub Actions get AWS credentials without long-lived keys?',
    slug: 'gitops-deploys',
    answer: 'OpenID Connect',
  },
  {
    question: 'What happens when a change is merged to main?',
    slug: 'gitops-deploys',
    answer: 'push it to ECR',
  },
  {
    question: 'How does reciprocal rank fusion merge two result lists?',
    slug: 'hybrid-search',
    answer: '1 / (k + rank)',
  },
  {
    question: 'Why is vector search bad at error codes?',
    slug: 'hybrid-search',
    answer: 'poor at exact tokens',
  },
  { question: 'ts_rank_cd', slug: 'hybrid-search', answer: 'ts_rank_cd' },
  {
    question: 'Which operator is cosine distance in pgvector?',
    slug: 'pgvector-hnsw',
    answer: 'for cosine distance',
  },
  { question: 'What does ef_search change?', slug: 'pgvector-hnsw', answer: 'hnsw.ef_search' },
  { question: 'How big should a chunk be?', slug: 'chunking-embeddings', answer: 'common starting point' },
  { question: 'Why do chunks overlap?', slug: 'chunking-embeddings', answer: 'A small\n**overlap**' },
  {
    question: 'How many dimensions does Titan Text Embeddings V2 produce?',
    slug: 'chunking-embeddings',
    answer: '1,024 dimensions',
  },
  { question: 'Why should answers cite their sources?', slug: 'rag-overview', answer: 'Citations matter' },
  {
    question: 'What should the assistant say when nothing relevant is found?',
    slug: 'rag-overview',
    answer: "I don't know",
  },
];
