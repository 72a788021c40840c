import {
  adminHeaders,
  errorCode,
  parseEventStream,
  postJson,
  STARTUP_TIMEOUT_MS,
  startTestApp,
  type TestApp,
} from './harness';

/**
 * Conversations and feedback through HTTP, with the two identities local mode has: a request
 * without a token is the `local` user, one with the bearer ADMIN_TOKEN is `automation`.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { HISTORY_TURNS: '6' } });
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  await app?.close();
});

type Identity = Record<string, string>;
const localUser: Identity = {};
const automation: Identity = adminHeaders;

interface Summary {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

interface Message {
  id: string;
  question: string;
  answer: string;
  sources: { title: string; excerpt: string; score: number; documentId: string }[];
  mode: string;
  model: string;
  timings: Record<string, number>;
  feedback: { rating: string; comment: string | null } | null;
}

function call(method: string, path: string, as: Identity, body?: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method,
    headers: { ...as, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function create(as: Identity, title?: string): Promise<Summary> {
  const response = await call('POST', '/api/conversations', as, title === undefined ? {} : { title });
  expect(response.status).toBe(201);
  return (await response.json()) as Summary;
}

async function askIn(conversationId: string, query: string, as: Identity = localUser, extra = {}) {
  const response = await postJson(`${app.url}/api/query`, { query, conversationId, ...extra }, as);
  expect(response.status).toBe(200);
  return (await response.json()) as { answer: string; messageId: string | null; sources: unknown[] };
}

async function open(id: string, as: Identity = localUser) {
  const response = await call('GET', `/api/conversations/${id}`, as);
  expect(response.status).toBe(200);
  return (await response.json()) as Summary & { messages: Message[] };
}

describe('conversations API', () => {
  it('stores each answer with its question, sources as shown, model and timings', async () => {
    const conversation = await create(localUser, 'Fargate questions');
    const first = await askIn(conversation.id, 'What is AWS Fargate?');
    expect(first.messageId).toMatch(/^[0-9a-f-]{36}$/);

    const stored = await open(conversation.id);
    expect(stored.title).toBe('Fargate questions');
    expect(stored.messages).toHaveLength(1);
    const [message] = stored.messages;
    expect(message).toMatchObject({
      id: first.messageId,
      question: 'What is AWS Fargate?',
      answer: first.answer,
      sources: first.sources,
      mode: 'local',
      model: 'local-extractive-v1',
      feedback: null,
    });
    expect(Object.keys(message?.timings ?? {}).sort()).toEqual([
      'embeddingMs',
      'generationMs',
      'retrievalMs',
      'totalMs',
    ]);
  });

  it('answers a follow-up from the stored history, without the client sending it', async () => {
    const conversation = await create(localUser);
    const alone = await postJson(`${app.url}/api/query`, { query: 'Tell me more about it.' });
    const aloneAnswer = ((await alone.json()) as { answer: string }).answer;
    await askIn(conversation.id, 'What is reciprocal rank fusion?');
    const followUp = await askIn(conversation.id, 'Tell me more about it.');

    expect(followUp.answer).toMatch(/rank fusion/i);
    expect(aloneAnswer).not.toMatch(/rank fusion/i);
    expect((await open(conversation.id)).messages.map((message) => message.question)).toEqual([
      'What is reciprocal rank fusion?',
      'Tell me more about it.',
    ]);
  });

  it('streams the stored message id in the done event', async () => {
    const conversation = await create(localUser);
    const response = await postJson(
      `${app.url}/api/query`,
      { query: 'What is pgvector?', conversationId: conversation.id },
      { accept: 'text/event-stream' },
    );
    const events = parseEventStream(await response.text());
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    const stored = await open(conversation.id);
    expect(done?.data.messageId).toBe(stored.messages[0]?.id);
    expect(stored.messages[0]?.answer).toBe(done?.data.answer);
  });

  it('regenerates the last answer in place', async () => {
    const conversation = await create(localUser);
    await askIn(conversation.id, 'What is hybrid search?');
    const last = await askIn(conversation.id, 'How are the rankings merged?');
    const again = await askIn(conversation.id, 'How are the rankings merged?', localUser, {
      regenerate: true,
    });

    const stored = await open(conversation.id);
    expect(stored.messages.map((message) => message.question)).toEqual([
      'What is hybrid search?',
      'How are the rankings merged?',
    ]);
    expect(stored.messages[1]?.id).toBe(again.messageId);
    expect(again.messageId).not.toBe(last.messageId);

    const wrong = await postJson(`${app.url}/api/query`, {
      query: 'Something else?',
      conversationId: conversation.id,
      regenerate: true,
    });
    expect(wrong.status).toBe(400);
    expect(await errorCode(wrong)).toBe('invalid_request');
  });

  it('lists newest first in pages joined by a cursor', async () => {
    const owner: Identity = automation;
    await call('DELETE', '/api/conversations', owner);
    const created: Summary[] = [];
    for (const title of ['one', 'two', 'three', 'four', 'five']) created.push(await create(owner, title));

    const titles: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const response = await call('GET', `/api/conversations${query}`, owner);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: Summary[]; nextCursor: string | null };
      titles.push(...page.items.map((item) => item.title));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(titles).toEqual(['five', 'four', 'three', 'two', 'one']);
    expect(pages).toBe(3);

    // An answer makes a conversation the most recent one.
    await askIn(created[0]!.id, 'What is AWS Fargate?', owner);
    const first = (await (await call('GET', '/api/conversations?limit=1', owner)).json()) as {
      items: Summary[];
    };
    expect(first.items.map((item) => item.title)).toEqual(['one']);
  });

  it('renames, deletes one, and deletes all of mine', async () => {
    const owner: Identity = automation;
    const kept = await create(localUser, 'the local user keeps this');
    const conversation = await create(owner, 'old title');
    const renamed = await call('PATCH', `/api/conversations/${conversation.id}`, owner, {
      title: '  New title ',
    });
    expect(renamed.status).toBe(200);
    await expect(renamed.json()).resolves.toMatchObject({ id: conversation.id, title: 'New title' });

    const deleted = await call('DELETE', `/api/conversations/${conversation.id}`, owner);
    expect(deleted.status).toBe(204);
    expect((await call('GET', `/api/conversations/${conversation.id}`, owner)).status).toBe(404);

    await create(owner, 'another');
    const all = await call('DELETE', '/api/conversations', owner);
    expect(all.status).toBe(200);
    expect(((await all.json()) as { deleted: number }).deleted).toBeGreaterThanOrEqual(1);
    const left = (await (await call('GET', '/api/conversations', owner)).json()) as { items: Summary[] };
    expect(left.items).toEqual([]);
    expect((await open(kept.id, localUser)).title).toBe('the local user keeps this');
  });

  it("never shows, changes or extends another user's conversation", async () => {
    const mine = await create(localUser, 'private to local');
    const asked = await askIn(mine.id, 'What is AWS Fargate?');
    const other = automation;

    const listed = (await (await call('GET', '/api/conversations?limit=100', other)).json()) as {
      items: Summary[];
    };
    expect(listed.items.map((item) => item.id)).not.toContain(mine.id);
    for (const response of [
      await call('GET', `/api/conversations/${mine.id}`, other),
      await call('PATCH', `/api/conversations/${mine.id}`, other, { title: 'taken over' }),
      await call('DELETE', `/api/conversations/${mine.id}`, other),
      await postJson(`${app.url}/api/query`, { query: 'And its cost?', conversationId: mine.id }, other),
      await call('PUT', `/api/conversations/${mine.id}/messages/${asked.messageId}/feedback`, other, {
        rating: 'down',
      }),
    ]) {
      expect(response.status).toBe(404);
      expect(await errorCode(response)).toBe('not_found');
    }
    await call('DELETE', '/api/conversations', other);

    const after = await open(mine.id, localUser);
    expect(after.title).toBe('private to local');
    expect(after.messages).toHaveLength(1);
    expect(after.messages[0]?.feedback).toBeNull();
  });

  it.each([
    ['a conversation id that is not a UUID', 'GET', '/api/conversations/nope', undefined, 'invalid_id'],
    [
      'an unknown conversation',
      'GET',
      '/api/conversations/00000000-0000-4000-8000-000000000000',
      undefined,
      'not_found',
    ],
    ['a bad cursor', 'GET', '/api/conversations?cursor=abc', undefined, 'invalid_request'],
    ['a limit out of range', 'GET', '/api/conversations?limit=0', undefined, 'invalid_request'],
    ['an empty title', 'POST', '/api/conversations', { title: ' ' }, 'invalid_request'],
    ['an unknown field', 'POST', '/api/conversations', { name: 'x' }, 'invalid_request'],
    [
      'a rename without a title',
      'PATCH',
      '/api/conversations/00000000-0000-4000-8000-000000000000',
      {},
      'invalid_request',
    ],
  ])('rejects %s', async (_label, method, path, body, code) => {
    const response = await call(method, path, localUser, body);
    expect(response.status).toBe(code === 'not_found' ? 404 : 400);
    expect(await errorCode(response)).toBe(code);
  });

  it.each([
    [{ query: 'q', conversationId: 'nope' }, 'conversationId must be a conversation id (a UUID)'],
    [
      { query: 'q', conversationId: '00000000-0000-4000-8000-000000000000', history: [] },
      'Send either history or conversationId: a conversation supplies its own history',
    ],
    [{ query: 'q', regenerate: true }, 'regenerate needs a conversationId'],
  ])('rejects the query %j', async (body, message) => {
    const response = await postJson(`${app.url}/api/query`, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(message);
  });
});

describe('feedback', () => {
  it('stores a rating with the answer it rates, counts it, and exports it as JSON Lines', async () => {
    const conversation = await create(localUser);
    const asked = await askIn(conversation.id, 'What is AWS Fargate?');
    const path = `/api/conversations/${conversation.id}/messages/${asked.messageId}/feedback`;

    const first = await call('PUT', path, { 'x-request-id': 'feedback-1' }, { rating: 'up' });
    expect(first.status).toBe(200);
    const second = await call(
      'PUT',
      path,
      { 'x-request-id': 'feedback-2' },
      { rating: 'down', comment: ' Missing the pricing part. ' },
    );
    await expect(second.json()).resolves.toEqual({ rating: 'down', comment: 'Missing the pricing part.' });
    expect((await open(conversation.id)).messages[0]?.feedback).toEqual({
      rating: 'down',
      comment: 'Missing the pricing part.',
    });

    const metrics = app
      .logs()
      .filter(
        (line) => ['feedback-1', 'feedback-2'].includes(String(line.requestId)) && line._aws !== undefined,
      );
    expect(metrics.map((line) => [line.PositiveFeedback, line.NegativeFeedback])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(metrics[0]).toMatchObject({ Environment: 'local', Rating: 'up' });

    // Deleting the conversation keeps the rated copy for the team.
    expect((await call('DELETE', `/api/conversations/${conversation.id}`, localUser)).status).toBe(204);
    const exported = await call('GET', '/api/feedback/export', automation);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const records = (await exported.text())
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const record = records.find((line) => line.answer === asked.answer && line.comment !== null);
    expect(record).toMatchObject({
      messageId: null,
      owner: 'local',
      rating: 'down',
      comment: 'Missing the pricing part.',
      question: 'What is AWS Fargate?',
      answer: asked.answer,
      sources: asked.sources,
      model: 'local-extractive-v1',
    });
    expect(records.filter((line) => line.answer === asked.answer)).toHaveLength(1);
  });

  it.each([
    [{ rating: 'meh' }, 'rating must be "up" or "down"'],
    [{ rating: 'up', comment: 3 }, 'comment must be a string'],
    [{ rating: 'up', comment: 'x'.repeat(2001) }, 'comment must be at most 2000 characters'],
    [{ rating: 'up', extra: true }, 'Unknown field "extra" in the request body'],
  ])('rejects feedback %j', async (body, message) => {
    const conversation = await create(localUser);
    const asked = await askIn(conversation.id, 'What is pgvector?');
    const response = await call(
      'PUT',
      `/api/conversations/${conversation.id}/messages/${asked.messageId}/feedback`,
      localUser,
      body,
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(message);
    expect((await open(conversation.id)).messages[0]?.feedback).toBeNull();
  });
});
