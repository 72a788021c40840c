import { AppError } from '../../src/errors';
import type { AnswerRequest, RetrievedChunk } from '../../src/pipeline/types';
import { buildPrompt } from '../../src/rag/prompt';
import { collect, useFakeBedrock } from './harness';
import {
  accessDenied,
  answerFrames,
  contentBlockStart,
  contentBlockStop,
  hang,
  internalServerError,
  messageStart,
  messageStop,
  metadata,
  raw,
  stream,
  streamException,
  textDelta,
  throttling,
} from './replies';

const bedrock = useFakeBedrock();
const { setUp } = bedrock;

const source: RetrievedChunk = {
  chunkId: 'c1',
  documentId: 'd1',
  title: 'Fargate',
  content: 'Fargate runs containers without servers to manage.',
  score: 0.9,
  metadata: {},
};

function question(overrides: Partial<AnswerRequest> = {}): AnswerRequest {
  return {
    question: 'What is Fargate?',
    history: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ],
    sources: [source],
    ...overrides,
  };
}

const waitUntil = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

test('streams the text deltas of every event type in order and sends the grounded Converse request', async () => {
  const { providers, sleeps } = setUp({ topP: 0.9, guardrail: { identifier: 'gr-1', version: '2' } });
  bedrock.fake.enqueue(
    'converse-stream',
    stream([
      messageStart(),
      contentBlockStart(),
      textDelta('Fargate'),
      textDelta(' is serverless'),
      textDelta(' [1].'),
      contentBlockStop(),
      messageStop('end_turn'),
      metadata(),
    ]),
  );
  const request = question();

  const { tokens, error } = await collect(providers.generator.streamAnswer(request));

  expect(error).toBeUndefined();
  expect(tokens).toEqual(['Fargate', ' is serverless', ' [1].']);
  const prompt = buildPrompt(request);
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(bedrock.fake.requests[0]).toMatchObject({
    operation: 'converse-stream',
    modelId: 'meta.llama3-8b-instruct-v1:0',
  });
  expect(bedrock.fake.requests[0]?.body).toEqual({
    system: [{ text: prompt.system }],
    messages: prompt.messages.map((turn) => ({ role: turn.role, content: [{ text: turn.content }] })),
    inferenceConfig: { maxTokens: 512, temperature: 0.2, topP: 0.9 },
    guardrailConfig: { guardrailIdentifier: 'gr-1', guardrailVersion: '2', trace: 'enabled' },
  });
  expect(sleeps).toEqual([]);
});

test('without topP or a guardrail the request carries neither', async () => {
  const { providers } = setUp();

  const { tokens } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens.join('')).toBe('Hello from the fake model.');
  const body = bedrock.fake.requests[0]?.body as Record<string, unknown>;
  expect(body.inferenceConfig).toEqual({ maxTokens: 512, temperature: 0.2 });
  expect(body).not.toHaveProperty('guardrailConfig');
});

test('429 twice before the stream opens, then success: three attempts with backoff', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('converse-stream', throttling(), throttling(), stream(answerFrames(['ok'])));

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(error).toBeUndefined();
  expect(tokens).toEqual(['ok']);
  expect(bedrock.fake.requests).toHaveLength(3);
  expect(sleeps).toEqual([125, 250]);
});

test('an exception frame before the first token is retried like an HTTP error', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue(
    'converse-stream',
    stream([messageStart(), streamException('throttlingException', 'slow down')]),
    stream([streamException('serviceUnavailableException', 'busy')]),
    stream(answerFrames(['fine'])),
  );

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(error).toBeUndefined();
  expect(tokens).toEqual(['fine']);
  expect(bedrock.fake.requests).toHaveLength(3);
  expect(sleeps).toEqual([125, 250]);
});

test('throttling on every attempt ends in 503 throttled with Retry-After and no tokens', async () => {
  const { providers } = setUp({ maxAttempts: 2 });
  bedrock.fake.enqueue('converse-stream', throttling(), throttling(), throttling());

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual([]);
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 503, code: 'throttled', retryAfterSeconds: 1 });
  expect(bedrock.fake.requests).toHaveLength(2);
});

test('a mid-stream throttlingException delivers the earlier tokens, then 503, and is NOT retried', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue(
    'converse-stream',
    stream([
      messageStart(),
      textDelta('Half'),
      textDelta(' an'),
      streamException('throttlingException', 'slow down'),
    ]),
  );

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual(['Half', ' an']);
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 503, code: 'throttled' });
  expect(((error as AppError).cause as Error).message).toMatch(
    /ConverseStream meta\.llama3-8b-instruct-v1:0 failed \(ThrottlingException, request id fake-request-1, 1 attempt\): slow down/,
  );
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
});

test.each([
  ['modelStreamErrorException', 502, 'upstream_error'],
  ['validationException', 502, 'upstream_error'],
  ['internalServerException', 503, 'unavailable'],
])('a mid-stream %s after tokens is a %i %s, not retried', async (exceptionType, status, code) => {
  const { providers } = setUp();
  bedrock.fake.enqueue(
    'converse-stream',
    stream([messageStart(), textDelta('A'), streamException(exceptionType, 'x')]),
  );

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual(['A']);
  expect(error).toMatchObject({ status, code, expose: true });
  expect((error as AppError).message).not.toContain('fake-request');
  expect(bedrock.fake.requests).toHaveLength(1);
});

test('a connection cut after tokens is an error, not a short answer, and is not retried', async () => {
  const { providers } = setUp();
  bedrock.fake.enqueue(
    'converse-stream',
    stream([messageStart(), textDelta('A')], { ending: 'destroy', frameDelayMs: 20 }),
  );

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual(['A']);
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 503, code: 'unavailable' });
  expect(bedrock.fake.requests).toHaveLength(1);
});

test('a connection cut before the first token is retried', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('converse-stream', stream([messageStart()], { ending: 'destroy', frameDelayMs: 20 }));

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(error).toBeUndefined();
  expect(tokens.join('')).toBe('Hello from the fake model.');
  expect(bedrock.fake.requests).toHaveLength(2);
  expect(sleeps).toEqual([125]);
});

test('an empty answer (messageStop without text) is a success with no tokens, not retried', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('converse-stream', stream([messageStart(), messageStop('end_turn'), metadata()]));

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(error).toBeUndefined();
  expect(tokens).toEqual([]);
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
});

test('a stream that ends without messageStop is a truncated answer: 503, not a short success', async () => {
  const { providers } = setUp();
  bedrock.fake.enqueue('converse-stream', stream([messageStart(), textDelta('A'), contentBlockStop()]));

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual(['A']);
  expect(error).toMatchObject({ status: 503, code: 'unavailable' });
  expect(((error as AppError).cause as Error).message).toContain('stream ended before messageStop');
});

test('access denied is a 502 and is not retried', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('converse-stream', accessDenied());

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual([]);
  expect(error).toMatchObject({ status: 502, code: 'upstream_error' });
  expect(((error as AppError).cause as Error).message).toMatch(/AccessDeniedException, HTTP 403/);
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
});

test('a 500 before the stream opens is retried', async () => {
  const { providers } = setUp();
  bedrock.fake.enqueue('converse-stream', internalServerError());

  const { tokens } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens.join('')).toBe('Hello from the fake model.');
  expect(bedrock.fake.requests).toHaveLength(2);
});

test('a model that never answers ends in a 503 timeout once the budget is spent', async () => {
  const { providers } = setUp({ requestTimeoutMs: 200 });
  bedrock.fake.enqueue('converse-stream', hang());

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual([]);
  expect(error).toMatchObject({ status: 503, code: 'timeout', retryAfterSeconds: 1 });
  await expect(bedrock.fake.requests[0]?.finished).resolves.toBe('client-closed');
});

test('a stream that stalls before its first token ends in a 503 timeout, never a hang', async () => {
  const { providers, sleeps } = setUp({ requestTimeoutMs: 200 });
  bedrock.fake.enqueue('converse-stream', stream([messageStart()], { ending: 'hang' }));

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual([]);
  expect(error).toMatchObject({ status: 503, code: 'timeout' });
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
});

test('a stream that stalls after tokens ends in a 503 timeout, never a hang', async () => {
  const { providers } = setUp({ requestTimeoutMs: 200 });
  bedrock.fake.enqueue('converse-stream', stream([messageStart(), textDelta('A')], { ending: 'hang' }));

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual(['A']);
  expect(error).toMatchObject({ status: 503, code: 'timeout' });
  expect(bedrock.fake.requests).toHaveLength(1);
  await expect(bedrock.fake.requests[0]?.finished).resolves.toBe('client-closed');
});

test("the caller's abort stops the stream with the caller's reason and closes the HTTP stream", async () => {
  const { providers } = setUp();
  const many = Array.from({ length: 200 }, (_, index) => `t${index} `);
  bedrock.fake.enqueue('converse-stream', stream(answerFrames(many), { frameDelayMs: 5 }));
  const controller = new AbortController();
  const reason = new Error('client went away');
  const tokens: string[] = [];

  const consumed = (async () => {
    for await (const token of providers.generator.streamAnswer(question({ signal: controller.signal }))) {
      tokens.push(token);
      if (tokens.length === 2) controller.abort(reason);
    }
  })();

  await expect(consumed).rejects.toBe(reason);
  expect(tokens).toEqual(['t0 ', 't1 ']);
  await expect(bedrock.fake.requests[0]?.finished).resolves.toBe('client-closed');
  expect(bedrock.fake.requests).toHaveLength(1);
});

test('no token is delivered after the abort, even one that had already arrived', async () => {
  const { providers } = setUp();
  bedrock.fake.enqueue('converse-stream', stream(answerFrames(['a', 'b', 'c', 'd'])));
  const controller = new AbortController();
  const reason = new Error('client went away');
  const tokens: string[] = [];

  const consumed = (async () => {
    for await (const token of providers.generator.streamAnswer(question({ signal: controller.signal }))) {
      tokens.push(token);
      controller.abort(reason);
    }
  })();

  await expect(consumed).rejects.toBe(reason);
  expect(tokens).toEqual(['a']);
});

test('a consumer that stops reading early closes the HTTP stream', async () => {
  const { providers } = setUp();
  bedrock.fake.enqueue(
    'converse-stream',
    stream([messageStart(), textDelta('A'), textDelta('B')], { ending: 'hang' }),
  );

  for await (const token of providers.generator.streamAnswer(question())) {
    expect(token).toBe('A');
    break;
  }

  await expect(bedrock.fake.requests[0]?.finished).resolves.toBe('client-closed');
});

test('an abort during backoff stops retrying', async () => {
  const controller = new AbortController();
  const reason = new Error('client went away');
  const { providers } = setUp({
    sleep: async (_ms, signal) => {
      controller.abort(reason);
      signal.throwIfAborted();
    },
  });
  bedrock.fake.enqueue('converse-stream', throttling(), throttling());

  const { error } = await collect(providers.generator.streamAnswer(question({ signal: controller.signal })));

  expect(error).toBe(reason);
  await waitUntil(() => bedrock.fake.requests.length > 0);
  expect(bedrock.fake.requests).toHaveLength(1);
});

test('bytes that are not event-stream frames are a 502 and are not retried', async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue(
    'converse-stream',
    raw(200, 'application/vnd.amazon.eventstream', 'this is not a frame at all'),
  );

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(tokens).toEqual([]);
  expect(error).toMatchObject({ status: 502, code: 'upstream_error' });
  expect(bedrock.fake.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
});

test("a proxy's HTML 502 page counts as a transient failure and is retried", async () => {
  const { providers, sleeps } = setUp();
  bedrock.fake.enqueue('converse-stream', raw(502, 'text/html', '<html><body>Bad Gateway</body></html>'));

  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));

  expect(error).toBeUndefined();
  expect(tokens.join('')).toBe('Hello from the fake model.');
  expect(bedrock.fake.requests).toHaveLength(2);
  expect(sleeps).toEqual([125]);
});
