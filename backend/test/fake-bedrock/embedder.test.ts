import { AppError } from '../../src/errors';
import { EMBEDDING_DIMENSIONS } from '../../src/pipeline/types';
import { useFakeBedrock } from './harness';
import {
  accessDenied,
  deterministicEmbedding,
  hang,
  raw,
  serviceQuotaExceeded,
  serviceUnavailable,
  throttling,
  titanEmbedding,
} from './replies';

const bedrock = useFakeBedrock();
const { setUp } = bedrock;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

const norm = (vector: readonly number[]) => Math.hypot(...vector);

test('embeds through InvokeModel with the Titan V2 request and returns the unit vector', async () => {
  const { providers, sleeps } = setUp();

  const vector = await providers.embedder.embed('What is RAG?');

  expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
  expect(norm(vector)).toBeCloseTo(1, 10);
  expect(vector[0]).toBeCloseTo(deterministicEmbedding('What is RAG?')[0] ?? Number.NaN, 12);
  expect(providers.embedder.model).toBe('amazon.titan-embed-text-v2:0');
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(bedrock.fake.requests[0]).toMatchObject({
    operation: 'invoke',
    modelId: 'amazon.titan-embed-text-v2:0',
    body: { inputText: 'What is RAG?', dimensions: 1024, normalize: true },
    headers: { 'content-type': 'application/json', accept: 'application/json' },
  });
  expect(sleeps).toEqual([]);
});

test('accepts 50,000 characters and rejects 50,001 without calling Bedrock', async () => {
  const { providers } = setUp();

  await expect(providers.embedder.embed('a'.repeat(50_000))).resolves.toHaveLength(EMBEDDING_DIMENSIONS);
  const error = await failure(providers.embedder.embed('a'.repeat(50_001)));

  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 400, code: 'input_too_long' });
  expect((error as Error).message).toContain('50001');
  expect(bedrock.fake.requests).toHaveLength(1);
});

test('rejects blank text without calling Bedrock', async () => {
  const { providers } = setUp();

  await expect(providers.embedder.embed('  \n')).rejects.toMatchObject({
    status: 400,
    code: 'invalid_input',
  });
  expect(bedrock.fake.requests).toHaveLength(0);
});

test.each([
  ['a vector of the wrong size', titanEmbedding([0.6, 0.8])],
  [
    'a non-numeric value',
    titanEmbedding([...deterministicEmbedding('x').slice(1), null as unknown as number]),
  ],
  ['no embedding field', raw(200, 'application/json', '{"inputTextTokenCount":3}')],
  ['a body that is not JSON', raw(200, 'application/json', '<html>oops</html>')],
  ['the zero vector', titanEmbedding(new Array<number>(EMBEDDING_DIMENSIONS).fill(0))],
])('a response with %s is a 502 that keeps the request id for logs and is not retried', async (_, reply) => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('invoke', reply);

  const error = await failure(providers.embedder.embed('hello'));

  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 502, code: 'upstream_error', expose: true });
  expect((error as AppError).message).not.toContain('fake-request');
  expect(((error as AppError).cause as Error).message).toMatch(/InvokeModel .*request id fake-request-1/);
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
});

test('429 twice then success: three attempts with full-jitter exponential backoff between them', async () => {
  const { providers, sleeps } = setUp({ maxAttempts: 3, random: () => 0.5 });
  bedrock.fake.enqueue('invoke', throttling(), throttling());

  const vector = await providers.embedder.embed('hello');

  expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
  expect(bedrock.fake.requests).toHaveLength(3);
  // Half of the 250 ms and 500 ms ceilings: the random draw scales the whole window.
  expect(sleeps).toEqual([125, 250]);
});

test('429 on every attempt: exactly maxAttempts requests (the SDK adds none), then 503 throttled with Retry-After', async () => {
  const { providers, sleeps } = setUp({ maxAttempts: 4 });
  bedrock.fake.enqueue('invoke', throttling(), throttling(), throttling(), throttling(), throttling());

  const error = await failure(providers.embedder.embed('hello'));

  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 503, code: 'throttled', retryAfterSeconds: 2, expose: true });
  expect(((error as AppError).cause as Error).message).toMatch(
    /ThrottlingException, HTTP 429, request id fake-request-4, 4 attempts/,
  );
  expect(bedrock.fake.requests).toHaveLength(4);
  expect(sleeps).toEqual([125, 250, 500]);
});

test('a transient 503 is retried', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('invoke', serviceUnavailable());

  await expect(providers.embedder.embed('hello')).resolves.toHaveLength(EMBEDDING_DIMENSIONS);
  expect(bedrock.fake.requests).toHaveLength(2);
  expect(sleeps).toEqual([125]);
});

test('a backoff that would overrun the time budget is not started', async () => {
  // Fake time: each request to Bedrock takes 4.9 s, each backoff the time it asks for.
  let slept = 0;
  const sleeps: number[] = [];
  const { providers } = setUp({
    maxAttempts: 5,
    requestTimeoutMs: 10_000,
    random: () => 0.99,
    now: () => slept + bedrock.fake.requests.length * 4_900,
    sleep: async (ms) => {
      sleeps.push(ms);
      slept += ms;
    },
  });
  bedrock.fake.enqueue('invoke', throttling(), throttling(), throttling());

  const error = await failure(providers.embedder.embed('hello'));

  expect(error).toMatchObject({ status: 503, code: 'throttled' });
  // After attempt 1, 5.1 s remain for a 247 ms backoff; after attempt 2 there is none left for 495 ms.
  expect(sleeps).toEqual([247]);
  expect(bedrock.fake.requests).toHaveLength(2);
});

test('access denied is a 502 and is not retried', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('invoke', accessDenied());

  const error = await failure(providers.embedder.embed('hello'));

  expect(error).toMatchObject({ status: 502, code: 'upstream_error' });
  expect((error as AppError).message).not.toMatch(/access|AccessDenied/i);
  expect(((error as AppError).cause as Error).message).toMatch(/AccessDeniedException, HTTP 403/);
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
});

test('an exhausted service quota is a 503 with a long Retry-After and is not retried', async () => {
  const { providers } = setUp();
  bedrock.fake.enqueue('invoke', serviceQuotaExceeded());

  await expect(providers.embedder.embed('hello')).rejects.toMatchObject({
    status: 503,
    code: 'throttled',
    retryAfterSeconds: 60,
  });
  expect(bedrock.fake.requests).toHaveLength(1);
});

test('a Bedrock that never answers ends in a 503 timeout once the budget is spent', async () => {
  const { providers } = setUp({ requestTimeoutMs: 200 });
  bedrock.fake.enqueue('invoke', hang());

  const error = await failure(providers.embedder.embed('hello'));

  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 503, code: 'timeout', expose: true });
  expect(bedrock.fake.requests).toHaveLength(1);
  await expect(bedrock.fake.requests[0]?.finished).resolves.toBe('client-closed');
});

test("the caller's abort stops the call with the caller's reason, not an AppError", async () => {
  const { providers } = setUp();
  bedrock.fake.enqueue('invoke', hang());
  const controller = new AbortController();
  const reason = new Error('client went away');

  const pending = failure(providers.embedder.embed('hello', controller.signal));
  while (bedrock.fake.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
  controller.abort(reason);

  await expect(pending).resolves.toBe(reason);
  await expect(bedrock.fake.requests[0]?.finished).resolves.toBe('client-closed');
});
