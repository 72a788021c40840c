import { adminHeaders, errorCode, postJson, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ seed: false, env: { MAX_DOCUMENT_CHARS: '5000', MAX_BODY_BYTES: '20000' } });
}, STARTUP_TIMEOUT_MS);

afterAll(() => app.close());

const CONTENT =
  'Quokkas live on Rottnest Island. They are small marsupials that eat leaves and grasses. ' +
  'A quokka can climb low trees to reach food.';
const SECRET_PHRASE = 'zebra-unique-marker-phrase';

async function corpusSize(): Promise<{ documents: number; chunks: number }> {
  const stats = (await (await fetch(`${app.url}/api/stats`)).json()) as { documents: number; chunks: number };
  return { documents: stats.documents, chunks: stats.chunks };
}

function upload(body: unknown, headers: Record<string, string> = adminHeaders) {
  return postJson(`${app.url}/api/documents`, body, headers);
}

describe('admin authentication in a deployment with sign-in off', () => {
  // Local mode trusts the person at the machine (LOCAL_IDENTITY is admin); a deployment does not.
  let deployed: TestApp;
  beforeAll(async () => {
    deployed = await startTestApp({ seed: false, env: { NODE_ENV: 'production' } });
  }, STARTUP_TIMEOUT_MS);
  afterAll(() => deployed.close());

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token-at-all' }],
    ['a different scheme', { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }],
    ['an empty bearer token', { authorization: 'Bearer ' }],
  ])('refuses an upload with %s and writes nothing', async (_name, headers) => {
    const response = await postJson(
      `${deployed.url}/api/documents`,
      { title: 'Quokkas', content: CONTENT },
      headers,
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorCode(response)).toBe('unauthorized');
    const stats = (await (await fetch(`${deployed.url}/api/stats`)).json()) as { documents: number };
    expect(stats.documents).toBe(0);
  });

  it('refuses to show or delete a document without the token', async () => {
    const created = await postJson(
      `${deployed.url}/api/documents`,
      { title: 'Quokkas', content: CONTENT },
      adminHeaders,
    );
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${deployed.url}/api/documents/${id}`)).status).toBe(401);
    expect((await fetch(`${deployed.url}/api/documents/${id}`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${deployed.url}/api/documents/${id}`, { headers: adminHeaders })).status).toBe(200);
  });
});

describe('local mode (sign-in off)', () => {
  it('lets the local user manage documents without the token', async () => {
    const me = await (await fetch(`${app.url}/api/me`)).json();
    expect(me).toEqual({ signIn: 'off', subject: 'local', groups: [], admin: true });
  });
});

describe('document lifecycle', () => {
  let id: string;

  it('creates a document from JSON', async () => {
    const response = await upload({
      title: 'Quokkas',
      content: CONTENT,
      metadata: { collection: 'animals' },
      source: 'notes/quokkas.md',
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; status: string; chunks: number };
    expect(body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'created', chunks: 1 });
    id = body.id;
    expect(await corpusSize()).toEqual({ documents: 1, chunks: 1 });
  });

  it('treats identical content as a no-op returning the same id', async () => {
    const response = await upload({ title: 'Quokkas again', content: CONTENT });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id, status: 'unchanged', chunks: 1 });
    expect(await corpusSize()).toEqual({ documents: 1, chunks: 1 });
  });

  it('replaces the document with the same source, keeping its id', async () => {
    const response = await upload({
      title: 'Quokkas (revised)',
      content: `${CONTENT} Quokkas are mostly nocturnal.`,
      source: 'notes/quokkas.md',
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ id, status: 'replaced' });
    expect(await corpusSize()).toMatchObject({ documents: 1 });
  });

  it('lists and fetches the document', async () => {
    const list = await fetch(`${app.url}/api/documents?limit=5&offset=0`);
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: { id: string; title: string }[]; total: number };
    expect(page).toMatchObject({ total: 1, limit: 5, offset: 0 });
    expect(page.items.map((item) => [item.id, item.title])).toEqual([[id, 'Quokkas (revised)']]);
    const detail = await fetch(`${app.url}/api/documents/${id}`);
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({
      id,
      source: 'notes/quokkas.md',
      content: expect.stringContaining('nocturnal'),
    });
  });

  it('answers questions from the new document', async () => {
    const response = await postJson(`${app.url}/api/query`, { query: 'Where do quokkas live?' });
    const result = (await response.json()) as { answer: string; sources: { documentId: string }[] };
    expect(result.sources[0]?.documentId).toBe(id);
    expect(result.answer).toContain('Rottnest Island');
  });

  it('deletes with the token', async () => {
    expect((await fetch(`${app.url}/api/documents/${id}`)).status).toBe(200);
    const deleted = await fetch(`${app.url}/api/documents/${id}`, {
      method: 'DELETE',
      headers: adminHeaders,
    });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect(await corpusSize()).toEqual({ documents: 0, chunks: 0 });
    const gone = await fetch(`${app.url}/api/documents/${id}`);
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('not_found');
    const again = await fetch(`${app.url}/api/documents/${id}`, { method: 'DELETE', headers: adminHeaders });
    expect(again.status).toBe(404);
  });
});

describe('raw text uploads', () => {
  it('accepts text/markdown with the title as a query parameter', async () => {
    const response = await fetch(`${app.url}/api/documents?title=Wombats&source=notes%2Fwombats.md`, {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'text/markdown; charset=utf-8' },
      body: `# Wombats\n\nWombats dig burrows. ${SECRET_PHRASE} They produce cube-shaped droppings.`,
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const detail = (await (await fetch(`${app.url}/api/documents/${id}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ title: 'Wombats', source: 'notes/wombats.md' });
  });

  it('requires the title parameter', async () => {
    const response = await fetch(`${app.url}/api/documents`, {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'text/plain' },
      body: 'Untitled text',
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('invalid_request');
  });

  it('never logs document bodies', () => {
    expect(app.rawLogs()).not.toContain(SECRET_PHRASE);
    expect(app.rawLogs()).not.toContain('Rottnest');
  });
});

describe('bad document input writes nothing', () => {
  let before: { documents: number; chunks: number };

  beforeAll(async () => {
    before = await corpusSize();
  });

  afterEach(async () => {
    expect(await corpusSize()).toEqual(before);
  });

  it.each([
    ['a missing title', { content: 'text' }, 400, 'invalid_request'],
    ['an empty title', { title: ' ', content: 'text' }, 400, 'invalid_request'],
    ['missing content', { title: 'T' }, 400, 'invalid_request'],
    ['blank content', { title: 'T', content: '  \n ' }, 400, 'invalid_request'],
    ['an unknown field', { title: 'T', content: 'text', author: 'me' }, 400, 'invalid_request'],
    ['array metadata', { title: 'T', content: 'text', metadata: ['a'] }, 400, 'invalid_request'],
    ['an empty source', { title: 'T', content: 'text', source: '' }, 400, 'invalid_request'],
    ['oversized content', { title: 'T', content: 'word '.repeat(1001) }, 413, 'document_too_large'],
    ['an oversized body', { title: 'T', content: 'x'.repeat(30_000) }, 413, 'payload_too_large'],
  ])('rejects %s', async (_name, body, status, code) => {
    const response = await upload(body);
    expect(response.status).toBe(status);
    expect(await errorCode(response)).toBe(code);
  });

  it('rejects invalid JSON', async () => {
    const response = await upload('{"title": "T", "content": ');
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('invalid_json');
  });

  it('rejects an unsupported content type', async () => {
    const response = await fetch(`${app.url}/api/documents?title=T`, {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/pdf' },
      body: '%PDF-1.7',
    });
    expect(response.status).toBe(415);
    expect(await errorCode(response)).toBe('unsupported_media_type');
  });

  it('rejects query parameters on a JSON upload', async () => {
    const response = await postJson(
      `${app.url}/api/documents?title=T`,
      { title: 'T', content: 'text' },
      adminHeaders,
    );
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('invalid_request');
  });
});

describe('bad ids and paging', () => {
  it.each(['not-a-uuid', '123', "1' or '1'='1", '00000000-0000-0000-0000-00000000000g'])(
    'rejects the id %s with 400',
    async (id) => {
      const response = await fetch(`${app.url}/api/documents/${encodeURIComponent(id)}`);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('invalid_id');
      const deletion = await fetch(`${app.url}/api/documents/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        headers: adminHeaders,
      });
      expect(deletion.status).toBe(400);
    },
  );

  it('answers 404 for a well-formed id that does not exist', async () => {
    const response = await fetch(`${app.url}/api/documents/00000000-0000-4000-8000-000000000000`);
    expect(response.status).toBe(404);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'offset=1.5', 'limit=1&limit=2', 'page=2'])(
    'rejects ?%s with 400',
    async (query) => {
      const response = await fetch(`${app.url}/api/documents?${query}`);
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe('invalid_request');
    },
  );

  it('uses the default page when no parameters are given', async () => {
    const response = await fetch(`${app.url}/api/documents`);
    expect(await response.json()).toMatchObject({ limit: 20, offset: 0 });
  });
});
