import {
  answerFrames,
  contentBlockStart,
  messageStart,
  stream,
  streamException,
  textDelta,
  throttling,
} from '../fake-bedrock/replies';
import { useBedrockModeApp } from './bedrock-app';
import { errorCode, parseEventStream, postJson } from './harness';

const bedrock = useBedrockModeApp();

function streamQuery(query: string): Promise<Response> {
  return postJson(`${bedrock.app.url}/api/query`, { query }, { accept: 'text/event-stream' });
}

it('reports bedrock mode and the configured models', async () => {
  const stats = await (await fetch(`${bedrock.app.url}/api/stats`)).json();
  expect(stats).toMatchObject({
    mode: 'bedrock',
    embeddingModel: 'amazon.titan-embed-text-v2:0',
    generationModel: 'meta.llama3-8b-instruct-v1:0',
    documents: 10,
  });
});

it('streams the model tokens after the sources, with the grounded prompt sent to ConverseStream', async () => {
  bedrock.fake.enqueue('converse-stream', stream(answerFrames(['Fargate', ' runs', ' containers [1].'])));
  const response = await streamQuery('What is AWS Fargate?');
  const events = parseEventStream(await response.text());
  expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'token', 'token', 'done']);
  expect(events[0]?.data).toMatchObject({ mode: 'bedrock', model: 'meta.llama3-8b-instruct-v1:0' });
  expect(events.at(-1)?.data).toMatchObject({ answer: 'Fargate runs containers [1].' });

  const request = bedrock.fake.requests.filter((recorded) => recorded.operation === 'converse-stream').at(-1);
  const body = request?.body as {
    system: { text: string }[];
    messages: { role: string; content: { text: string }[] }[];
  };
  expect(request?.modelId).toBe('meta.llama3-8b-instruct-v1:0');
  expect(body.system[0]?.text).toContain('[1] ');
  expect(body.messages.at(-1)).toEqual({ role: 'user', content: [{ text: 'What is AWS Fargate?' }] });
});

it('answers a throttled JSON request with 503 and Retry-After', async () => {
  bedrock.fake.enqueue('converse-stream', throttling());
  const response = await postJson(`${bedrock.app.url}/api/query`, { query: 'What is AWS Fargate?' });
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await errorCode(response)).toBe('throttled');
});

it('ends the stream with an error event when the model fails mid-stream', async () => {
  bedrock.fake.enqueue(
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
