import {
  errorCode,
  parseEventStream,
  postJson,
  STARTUP_TIMEOUT_MS,
  startTestApp,
  type TestApp,
} from './harness';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { MAX_QUERY_CHARS: '200', HISTORY_TURNS: '2' } });
}, STARTUP_TIMEOUT_MS);

afterAll(() => app.close());

interface QueryResponse {
  answer: string;
  sources: { documentId: string; title: string; excerpt: string; score: number }[];
  query: string;
  timings: Record<string, number>;
  mode: string;
  model: string;
}

async function ask(body: unknown): Promise<QueryResponse> {
  const response = await postJson(`${app.url}/api/query`, body);
  expect(response.status).toBe(200);
  return (await response.json()) as QueryResponse;
}

describe('POST /api/query (JSON)', () => {
  it('answers a question about the sample corpus with cited sources', async () => {
    const result = await ask({ query: 'What is AWS Fargate?' });
    expect(result.query).toBe('What is AWS Fargate?');
    expect(result.mode).toBe('local');
    expect(result.model).toBe('local-extractive-v1');
    expect(result.sources.length).toBeGreaterThan(0);
    expect(result.sources[0]?.title).toMatch(/Fargate/);
    expect(result.answer).toMatch(/Fargate/);
    const citations = [...result.answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(citations.length).toBeGreaterThan(0);
    for (const citation of citations) expect(citation).toBeLessThanOrEqual(result.sources.length);
    for (const source of result.sources) {
      expect(source.documentId).toMatch(/^[0-9a-f-]{36}$/);
      expect(source.score).toBeGreaterThan(0);
      expect(source.score).toBeLessThanOrEqual(1);
      expect(source.excerpt.length).toBeLessThanOrEqual(241);
    }
    expect(Object.keys(result.timings).sort()).toEqual([
      'embeddingMs',
      'generationMs',
      'retrievalMs',
      'totalMs',
    ]);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.generationMs ?? Number.NaN);
  });

  it("says it doesn't know when nothing in the corpus is relevant", async () => {
    const result = await ask({ query: 'What is the best chocolate cake recipe?' });
    expect(result.answer).toMatch(/^I don't know/);
    expect(result.answer).not.toMatch(/\[\d+\]/);
  });

  it('respects topK', async () => {
    const result = await ask({ query: 'containers deployments security vectors', topK: 2 });
    expect(result.sources.length).toBeGreaterThan(0);
    expect(result.sources.length).toBeLessThanOrEqual(2);
  });

  it('applies a metadata filter', async () => {
    const none = await ask({ query: 'What is AWS Fargate?', filter: { collection: 'nothing-has-this' } });
    expect(none.sources).toEqual([]);
    expect(none.answer).toMatch(/^I don't know/);
    const sample = await ask({ query: 'What is AWS Fargate?', filter: { collection: 'sample' } });
    expect(sample.sources.length).toBeGreaterThan(0);
  });

  it('uses the chat history for a follow-up question', async () => {
    const alone = await ask({ query: 'Why use it?' });
    const followUp = await ask({
      query: 'Why use it?',
      history: [
        { role: 'user', content: 'What is reciprocal rank fusion?' },
        { role: 'assistant', content: 'A way to merge ranked lists [1].' },
      ],
    });
    expect(followUp.answer).toMatch(/Reciprocal rank fusion/);
    expect(alone.answer).not.toMatch(/Reciprocal rank fusion/);
  });

  it('emits one Embedded Metric Format line per answered query, with the request id', async () => {
    const response = await postJson(
      `${app.url}/api/query`,
      { query: 'What is hybrid search?' },
      { 'x-request-id': 'metrics-check' },
    );
    expect(response.status).toBe(200);
    const lines = app.logs().filter((line) => line.requestId === 'metrics-check');
    const metrics = lines.filter((line) => line._aws !== undefined);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ Environment: 'local', Mode: 'local', Outcome: 'answered' });
    expect(typeof metrics[0]?.QueryLatency).toBe('number');
  });

  it('never logs the question or the answer', () => {
    expect(app.rawLogs()).not.toContain('What is hybrid search?');
    expect(app.rawLogs()).not.toContain('chocolate cake');
  });

  it('sends no CORS headers when no origins are configured', async () => {
    const response = await fetch(`${app.url}/api/stats`, { headers: { origin: 'https://chat.example.com' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('POST /api/query (Server-Sent Events)', () => {
  it('streams sources first, then tokens, then done with the full answer', async () => {
    const response = await postJson(
      `${app.url}/api/query`,
      { query: 'What is AWS Fargate?' },
      { accept: 'text/event-stream' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const events = parseEventStream(await response.text());
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('sources');
    expect(names.at(-1)).toBe('done');
    expect(names.slice(1, -1).every((name) => name === 'token')).toBe(true);
    expect(names.length).toBeGreaterThan(3);
    const first = events[0]?.data as { sources: unknown[]; mode: string; model: string };
    expect(first.mode).toBe('local');
    expect(first.model).toBe('local-extractive-v1');
    expect(first.sources.length).toBeGreaterThan(0);
    const tokens = events
      .slice(1, -1)
      .map((event) => event.data.text)
      .join('');
    const done = events.at(-1)?.data as { answer: string; timings: Record<string, number> };
    expect(done.answer).toBe(tokens);
    expect(done.answer).toMatch(/\[1\]/);
    expect(Object.keys(done.timings).sort()).toEqual([
      'embeddingMs',
      'generationMs',
      'retrievalMs',
      'totalMs',
    ]);
  });

  it('answers the same question identically in both forms', async () => {
    const json = await ask({ query: 'How does reciprocal rank fusion work?' });
    const stream = await postJson(
      `${app.url}/api/query`,
      { query: 'How does reciprocal rank fusion work?' },
      { accept: 'text/event-stream' },
    );
    const events = parseEventStream(await stream.text());
    expect(events.at(-1)?.data.answer).toBe(json.answer);
  });

  it('rejects bad input with a plain HTTP error before any event', async () => {
    const response = await postJson(`${app.url}/api/query`, { query: '' }, { accept: 'text/event-stream' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await errorCode(response)).toBe('invalid_request');
  });
});

describe('POST /api/query bad input', () => {
  it.each([
    ['a missing query', {}, 'query must be a non-empty string'],
    ['an empty query', { query: '' }, 'query must be a non-empty string'],
    ['a blank query', { query: '   ' }, 'query must be a non-empty string'],
    ['a non-string query', { query: 42 }, 'query must be a non-empty string'],
    ['an oversized query', { query: 'x'.repeat(201) }, 'query must be at most 200 characters'],
    [
      'a query with a NUL character',
      { query: 'a\u0000b' },
      'query must not contain the NUL character (U+0000)',
    ],
    ['topK 0', { query: 'q', topK: 0 }, 'topK must be an integer from 1 to 20'],
    ['topK 21', { query: 'q', topK: 21 }, 'topK must be an integer from 1 to 20'],
    ['a fractional topK', { query: 'q', topK: 2.5 }, 'topK must be an integer from 1 to 20'],
    ['a string topK', { query: 'q', topK: '5' }, 'topK must be an integer from 1 to 20'],
    ['an unknown field', { query: 'q', temperature: 1 }, 'Unknown field "temperature" in the request body'],
    ['an array body', ['q'], 'The request body must be a JSON object'],
    ['a null body', null, 'The request body must be a JSON object'],
    [
      'history that is not an array',
      { query: 'q', history: 'hi' },
      'history must be an array of { role, content } turns',
    ],
    [
      'a history turn with a bad role',
      { query: 'q', history: [{ role: 'system', content: 'x' }] },
      'history[0].role must be "user" or "assistant"',
    ],
    [
      'a history turn with extra fields',
      { query: 'q', history: [{ role: 'user', content: 'x', id: 1 }] },
      'Unknown field "id" in history[0]',
    ],
    ['a filter that is not an object', { query: 'q', filter: [1] }, 'filter must be a JSON object'],
    [
      'a filter with a nested value',
      { query: 'q', filter: { a: { b: 1 } } },
      'filter.a must be a string, number or boolean',
    ],
  ])('rejects %s with 400', async (_name, body, message) => {
    const response = await postJson(`${app.url}/api/query`, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_request', message } });
  });

  it('still answers after all of that', async () => {
    expect((await ask({ query: 'What is AWS Fargate?' })).sources.length).toBeGreaterThan(0);
  });
});
