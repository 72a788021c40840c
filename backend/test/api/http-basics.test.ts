import { ADMIN_TOKEN, errorCode, postJson, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { CORS_ORIGINS: 'https://chat.example.com', MAX_BODY_BYTES: '2048' } });
}, STARTUP_TIMEOUT_MS);

afterAll(() => app.close());

describe('health and readiness', () => {
  it('GET /health answers without touching anything else', async () => {
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready reports the database ready', async () => {
    const response = await fetch(`${app.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });
});

describe('GET /api/stats', () => {
  it('counts the corpus and says plainly that this is local mode', async () => {
    const response = await fetch(`${app.url}/api/stats`);
    expect(response.status).toBe(200);
    const stats = (await response.json()) as Record<string, unknown>;
    expect(stats).toEqual({
      documents: 10,
      chunks: expect.any(Number),
      embeddingModel: 'local-hash-v2',
      generationModel: 'local-extractive-v1',
      mode: 'local',
    });
    expect(stats.chunks).toBeGreaterThanOrEqual(10);
  });
});

describe('GET /api/openapi.json', () => {
  it('serves the OpenAPI 3.1 document with the configured limits', async () => {
    const response = await fetch(`${app.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      info: { description: string };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/query');
    expect(document.info.description).toContain('2048 bytes');
  });

  it('no longer answers at the root, which the load balancer sends to the frontend', async () => {
    expect((await fetch(`${app.url}/openapi.json`)).status).toBe(404);
  });
});

describe('request ids', () => {
  it('propagates a well-formed x-request-id and puts it on every log line of the request', async () => {
    const response = await fetch(`${app.url}/api/stats`, { headers: { 'x-request-id': 'trace-me-123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-me-123');
    const lines = app.logs().filter((line) => line.requestId === 'trace-me-123');
    expect(lines.map((line) => line.msg)).toEqual(['request']);
    expect(lines[0]).toMatchObject({ method: 'GET', path: '/api/stats', status: 200 });
  });

  it('adds the X-Ray trace id from the load balancer to the log lines', async () => {
    const root = '1-5759e988-bd862e3fe1be46a994272793';
    await fetch(`${app.url}/health`, {
      headers: { 'x-request-id': 'traced', 'x-amzn-trace-id': `Root=${root};Sampled=0` },
    });
    await fetch(`${app.url}/health`, { headers: { 'x-request-id': 'untraced' } });
    expect(app.logs().find((line) => line.requestId === 'traced')).toMatchObject({ traceId: root });
    expect(app.logs().find((line) => line.requestId === 'untraced')).not.toHaveProperty('traceId');
  });

  it('replaces a malformed or missing id with a fresh UUID', async () => {
    const bad = await fetch(`${app.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    const none = await fetch(`${app.url}/health`);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(bad.headers.get('x-request-id')).toMatch(uuid);
    expect(none.headers.get('x-request-id')).toMatch(uuid);
    expect(bad.headers.get('x-request-id')).not.toBe(none.headers.get('x-request-id'));
  });
});

describe('unknown routes and methods', () => {
  it('answers 404 and 405 with the error shape', async () => {
    const missing = await fetch(`${app.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('not_found');
    const wrongMethod = await fetch(`${app.url}/api/stats`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(await errorCode(wrongMethod)).toBe('method_not_allowed');
  });
});

describe('request bodies', () => {
  it.each([
    ['invalid JSON', '{"query": ', 'application/json', 400, 'invalid_json'],
    ['a wrong content type', 'query=hi', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['text where JSON is required', 'What is Fargate?', 'text/plain', 415, 'unsupported_media_type'],
    [
      'a non-UTF-8 charset',
      '{"query":"hi"}',
      'application/json; charset=latin1',
      415,
      'unsupported_media_type',
    ],
    [
      'an oversized body',
      JSON.stringify({ query: 'x'.repeat(3000) }),
      'application/json',
      413,
      'payload_too_large',
    ],
  ])('rejects %s', async (_name, body, contentType, status, code) => {
    const response = await fetch(`${app.url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    expect(response.status).toBe(status);
    expect(await errorCode(response)).toBe(code);
  });

  it('rejects a body without a content type', async () => {
    const response = await fetch(`${app.url}/api/query`, {
      method: 'POST',
      body: new Uint8Array([123, 125]),
    });
    expect(response.status).toBe(415);
    expect(await errorCode(response)).toBe('unsupported_media_type');
  });

  it('stops reading a chunked body as soon as it passes the limit', async () => {
    const chunk = new TextEncoder().encode(`"${'x'.repeat(1000)}",`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 100) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${app.url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('payload_too_large');
  });

  it('rejects invalid UTF-8', async () => {
    const response = await fetch(`${app.url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('invalid_encoding');
  });

  it('accepts a JSON content type in any letter case, with a UTF-8 charset', async () => {
    const response = await fetch(`${app.url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'Application/JSON; charset=UTF-8' },
      body: JSON.stringify({ query: 'What is Fargate?' }),
    });
    expect(response.status).toBe(200);
  });

  it('keeps serving after every rejected body', async () => {
    const response = await postJson(`${app.url}/api/query`, { query: 'What is Fargate?' });
    expect(response.status).toBe(200);
  });
});

describe('CORS', () => {
  it('allows a listed origin, including the preflight', async () => {
    const preflight = await fetch(`${app.url}/api/query`, {
      method: 'OPTIONS',
      headers: { origin: 'https://chat.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    const simple = await fetch(`${app.url}/api/stats`, { headers: { origin: 'https://chat.example.com' } });
    expect(simple.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    expect(simple.headers.get('vary')).toContain('Origin');
  });

  it('gives an unlisted origin no CORS headers at all', async () => {
    const response = await fetch(`${app.url}/api/stats`, { headers: { origin: 'https://evil.example.com' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${app.url}/api/query`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe('logs', () => {
  it('never contain the admin token or the stack of a client error', () => {
    const raw = app.rawLogs();
    expect(raw).not.toContain(ADMIN_TOKEN);
    expect(raw).not.toMatch(/\n\s+at /);
    expect(app.logs().every((line) => typeof line.requestId === 'string')).toBe(true);
  });
});
