import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  ModelStreamErrorException,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import {
  contentBlockStart,
  contentBlockStop,
  deterministicEmbedding,
  messageStart,
  messageStop,
  metadata,
  stream,
  streamException,
  textDelta,
  throttling,
} from './replies';
import { type FakeBedrock, startFakeBedrock } from './server';

// These tests pin the fake to what the real SDK expects, so provider tests can trust it.

let fake: FakeBedrock;
let client: BedrockRuntimeClient;

beforeEach(async () => {
  fake = await startFakeBedrock();
  client = new BedrockRuntimeClient({
    region: 'eu-west-1',
    endpoint: fake.endpoint,
    credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  await fake.close();
});

const decode = (bytes: Uint8Array | undefined): unknown =>
  JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));

test('InvokeModel reaches the model route signed with SigV4 and returns the Titan body', async () => {
  const response = await client.send(
    new InvokeModelCommand({
      modelId: 'amazon.titan-embed-text-v2:0',
      contentType: 'application/json',
      body: JSON.stringify({ inputText: 'hello', dimensions: 1024, normalize: true }),
    }),
  );

  expect(decode(response.body)).toEqual({
    embedding: deterministicEmbedding('hello'),
    inputTextTokenCount: 7,
  });
  expect(response.$metadata.requestId).toBe('fake-request-1');
  const [request] = fake.requests;
  expect(request?.operation).toBe('invoke');
  expect(request?.modelId).toBe('amazon.titan-embed-text-v2:0');
  expect(request?.body).toEqual({ inputText: 'hello', dimensions: 1024, normalize: true });
  expect(request?.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIDFAKE\/\d{8}\/eu-west-1\/bedrock\//,
  );
});

test('an x-amzn-ErrorType error becomes the modeled SDK exception with status and request id', async () => {
  fake.enqueue('invoke', throttling());

  const error = await client
    .send(new InvokeModelCommand({ modelId: 'amazon.titan-embed-text-v2:0', body: '{}' }))
    .catch((caught: unknown) => caught);

  expect(error).toBeInstanceOf(ThrottlingException);
  expect(error).toMatchObject({ $metadata: { httpStatusCode: 429, requestId: 'fake-request-1' } });
});

test('Converse returns the assistant message', async () => {
  const response = await client.send(
    new ConverseCommand({
      modelId: 'meta.llama3-8b-instruct-v1:0',
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
    }),
  );

  expect(response.output?.message?.content).toEqual([{ text: 'Hello from the fake model.' }]);
  expect(response.stopReason).toBe('end_turn');
  expect(fake.requests[0]?.operation).toBe('converse');
});

test('ConverseStream frames decode into the SDK events in order', async () => {
  fake.enqueue(
    'converse-stream',
    stream([
      messageStart(),
      contentBlockStart(),
      textDelta('A'),
      textDelta('B'),
      contentBlockStop(),
      messageStop(),
      metadata(),
    ]),
  );

  const response = await client.send(
    new ConverseStreamCommand({
      modelId: 'meta.llama3-8b-instruct-v1:0',
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
    }),
  );
  const events: string[] = [];
  for await (const event of response.stream ?? []) events.push(...Object.keys(event));

  expect(events).toEqual([
    'messageStart',
    'contentBlockStart',
    'contentBlockDelta',
    'contentBlockDelta',
    'contentBlockStop',
    'messageStop',
    'metadata',
  ]);
  expect(fake.requests[0]?.body).toEqual({
    messages: [{ role: 'user', content: [{ text: 'hi' }] }],
  });
});

test('an exception frame surfaces as the modeled exception after the earlier events', async () => {
  fake.enqueue(
    'converse-stream',
    stream([messageStart(), textDelta('A'), streamException('modelStreamErrorException', 'model broke')]),
  );

  const response = await client.send(
    new ConverseStreamCommand({
      modelId: 'meta.llama3-8b-instruct-v1:0',
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
    }),
  );
  const texts: string[] = [];
  const error = await (async () => {
    for await (const event of response.stream ?? []) texts.push(event.contentBlockDelta?.delta?.text ?? '');
  })().catch((caught: unknown) => caught);

  expect(texts).toEqual(['', 'A']);
  expect(error).toBeInstanceOf(ModelStreamErrorException);
  expect(error).toMatchObject({ message: 'model broke' });
});
