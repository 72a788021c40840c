import { createProviders, type ServiceProviders } from '../../src/providers';
import {
  answerFrames,
  contentBlockStart,
  messageStart,
  stream,
  streamException,
  textDelta,
  throttling,
} from '../fake-bedrock/replies';
import { type FakeBedrock, startFakeBedrock } from '../fake-bedrock/server';
import {
  ADMIN_TOKEN,
  errorCode,
  parseEventStream,
  postJson,
  STARTUP_TIMEOUT_MS,
  startTestApp,
  type TestApp,
} from './harness';

/**
 * The app in bedrock mode, built by createProviders from configuration like in production, against
 * the local fake Bedrock runtime (real SDK client, real wire protocol).
 */
let fake: FakeBedrock;
let app: TestApp;
let providers: ServiceProviders | undefined;
const savedEnv = { ...process.env };

beforeAll(async () => {
  fake = await startFakeBedrock();
  // The SDK's default credential chain reads these, as it reads the task role in ECS.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKE';
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
  app = await startTestApp({
    env: {
      PROVIDER: 'bedrock',
      AWS_REGION: 'eu-west-1',
      BEDROCK_ENDPOINT: fake.endpoint,
      // One attempt: retries and their backoff are the provider's own tests' business.
      BEDROCK_MAX_ATTEMPTS: '1',
      ADMIN_TOKEN,
    },
    providers: (config) => {
      providers = createProviders(config.provider, config.server.requestTimeoutMs);
      return providers;
    },
  });
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  await app.close();
  providers?.close();
  await fake.close();
  process.env = savedEnv;
});

function streamQuery(query: string): Promise<Response> {
  return postJson(`${app.url}/api/query`, { query }, { accept: 'text/event-stream' });
}

it('reports bedrock mode and the configured models', async () => {
  const stats = await (await fetch(`${app.url}/api/stats`)).json();
  expect(stats).toMatchObject({
    mode: 'bedrock',
    embeddingModel: 'amazon.titan-embed-text-v2:0',
    generationModel: 'meta.llama3-8b-instruct-v1:0',
    documents: 10,
  });
});

it('streams the model tokens after the sources, with the grounded prompt sent to ConverseStream', async () => {
  fake.enqueue('converse-stream', stream(answerFrames(['Fargate', ' runs', ' containers [1].'])));
  const response = await streamQuery('What is AWS Fargate?');
  const events = parseEventStream(await response.text());
  expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'token', 'token', 'done']);
  expect(events[0]?.data).toMatchObject({ mode: 'bedrock', model: 'meta.llama3-8b-instruct-v1:0' });
  expect(events.at(-1)?.data).toMatchObject({ answer: 'Fargate runs containers [1].' });

  const request = fake.requests.filter((recorded) => recorded.operation === 'converse-stream').at(-1);
  const body = request?.body as {
    system: { text: string }[];
    messages: { role: string; content: { text: string }[] }[];
  };
  expect(request?.modelId).toBe('meta.llama3-8b-instruct-v1:0');
  expect(body.system[0]?.text).toContain('[1] ');
  expect(body.messages.at(-1)).toEqual({ role: 'user', content: [{ text: 'What is AWS Fargate?' }] });
});

it('answers a throttled JSON request with 503 and Retry-After', async () => {
  fake.enqueue('converse-stream', throttling());
  const response = await postJson(`${app.url}/api/query`, { query: 'What is AWS Fargate?' });
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await errorCode(response)).toBe('throttled');
});

it('ends the stream with an error event when the model fails mid-stream', async () => {
  fake.enqueue(
    'converse-stream',
    stream([
      messageStart(),
      contentBlockStart(),
      textDelta('Partial'),
      streamException('throttlingException', 'Slow down'),
    ]),
  );
  const events = parseEventStream(await (await streamQuery('What is AWS Fargate?')).text());
  expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'error']);
  expect(events.at(-1)?.data).toMatchObject({ error: { code: 'throttled' } });
  expect(events.map((event) => event.event)).not.toContain('done');
});
