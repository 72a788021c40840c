import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serializeError } from '@ragchat/backend/service-kit';
import {
  FAKE_SOURCES,
  type FakeBackend,
  sendJson,
  startEventStream,
  startFakeBackend,
  writeSseEvent,
} from '../support/fake-backend';
import { type RunningFrontend, startFrontend } from '../support/frontend-server';

let backend: FakeBackend;
let frontend: RunningFrontend;

beforeEach(async () => {
  backend = await startFakeBackend();
  frontend = await startFrontend({ backendUrl: backend.url, proxyTimeoutMs: 300 });
});

afterEach(async () => {
  await frontend.close();
  await backend.close();
});

/** Resolves when the backend-side request is torn down (the client or proxy went away). */
function closedSignal(response: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => response.once('close', () => resolve()));
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('api proxy: plain requests', () => {
  test('relays status, JSON and allowed headers, and forwards credentials but not cookies', async () => {
    const response = await fetch(`${frontend.url}/api/stats?verbose=1`, {
      headers: { Authorization: 'Bearer secret', Cookie: 'session=abc', 'X-Request-Id': 'req-1' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ documents: 10, chunks: 42, mode: 'local' });
    const received = backend.requests.at(-1);
    expect(received?.url).toBe('/api/stats?verbose=1');
    expect(received?.headers.authorization).toBe('Bearer secret');
    expect(received?.headers['x-request-id']).toBe('req-1');
    expect(received?.headers.cookie).toBeUndefined();
  });

  test('forwards a request body unchanged', async () => {
    backend.onQuery((_request, response, body) => sendJson(response, 200, { echoed: JSON.parse(body) }));

    const response = await fetch(`${frontend.url}/api/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: 'What is Fargate?', topK: 3 }),
    });

    expect(await response.json()).toEqual({ echoed: { query: 'What is Fargate?', topK: 3 } });
    expect(backend.requests.at(-1)?.headers['content-type']).toBe('application/json');
  });

  test.each([
    ['PATCH', '/api/conversations/c1', '{"title":"Renamed"}'],
    ['PUT', '/api/conversations/c1/messages/m1/feedback', '{"rating":"up"}'],
    ['DELETE', '/api/conversations/c1', undefined],
    ['DELETE', '/api/conversations', undefined],
  ])('passes %s %s through with its body', async (method, path, body) => {
    const response = await fetch(`${frontend.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body }),
    });

    // The fake answers 404 for these routes; what matters is what reached it.
    expect(response.status).toBe(404);
    expect(backend.requests.at(-1)).toMatchObject({ method, url: path, body: body ?? '' });
  });

  test("passes the backend's own errors through with Retry-After", async () => {
    backend.onQuery((_request, response) =>
      sendJson(response, 503, { error: { code: 'throttled', message: 'Slow down' } }, { 'Retry-After': '7' }),
    );

    const response = await fetch(`${frontend.url}/api/query`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ error: { code: 'throttled', message: 'Slow down' } });
  });
});

describe('api proxy: streaming', () => {
  test('delivers the first event before the backend has finished the response', async () => {
    let releaseRest: () => void = () => {};
    const restReleased = new Promise<void>((resolve) => {
      releaseRest = resolve;
    });
    let backendFinished = false;
    backend.onQuery(async (_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES, mode: 'local', model: 'fake' });
      await restReleased;
      writeSseEvent(response, 'token', { text: 'Hello' });
      writeSseEvent(response, 'done', { answer: 'Hello', timings: {} });
      backendFinished = true;
      response.end();
    });

    const response = await fetch(`${frontend.url}/api/query`, {
      method: 'POST',
      headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json' },
      body: '{"query":"q"}',
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);

    expect(first).toContain('event: sources');
    expect(first).not.toContain('event: done');
    expect(backendFinished).toBe(false);

    releaseRest();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(backendFinished).toBe(true);
    expect(rest).toContain('event: done');
    expect(rest).not.toContain('event: error');
  });

  test('ends a stream the backend abandons halfway with an interrupted error event', async () => {
    backend.onQuery((_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      response.write('event: token\ndata: {"te');
      setImmediate(() => response.socket?.destroy());
    });

    const response = await fetch(`${frontend.url}/api/query`, {
      method: 'POST',
      headers: { Accept: 'text/event-stream' },
      body: '{}',
    });
    const text = await readAll(response.body!);

    expect(text).toContain('event: sources');
    expect(text).toMatch(/\n\nevent: error\ndata: \{"error":\{"code":"backend_interrupted"/);
    expect(text).not.toContain('event: done');
  });

  test('ends a stream that falls silent with a timeout error event', async () => {
    backend.onQuery((_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
    });

    const response = await fetch(`${frontend.url}/api/query`, {
      method: 'POST',
      headers: { Accept: 'text/event-stream' },
      body: '{}',
    });
    const text = await readAll(response.body!);

    expect(text).toContain('event: sources');
    expect(text).toContain('"code":"backend_timeout"');
    expect(frontend.logger.lines.map((line) => line.fields.code)).toContain('backend_timeout');
  });

  test('a client that disconnects aborts the backend request', async () => {
    let backendSawClose: Promise<void> = new Promise(() => {});
    let streamStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      streamStarted = resolve;
    });
    backend.onQuery((_request, response) => {
      backendSawClose = closedSignal(response);
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      streamStarted();
    });
    const controller = new AbortController();

    const response = await fetch(`${frontend.url}/api/query`, {
      method: 'POST',
      headers: { Accept: 'text/event-stream' },
      body: '{}',
      signal: controller.signal,
    });
    await response.body!.getReader().read();
    await started;
    controller.abort();

    await expect(backendSawClose).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(frontend.logger.lines.map((line) => line.msg)).toEqual(['request']);
    expect(frontend.logger.lines[0]?.fields).toMatchObject({ path: '/api/query', clientGone: true });
  });
});

describe('api proxy: failures before any response', () => {
  test('answers 504 with a JSON error when the backend does not respond in time', async () => {
    let backendSawClose: Promise<void> = new Promise(() => {});
    backend.onQuery((_request, response) => {
      backendSawClose = closedSignal(response);
    });

    const response = await fetch(`${frontend.url}/api/query`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(504);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      error: { code: 'backend_timeout', message: 'The backend did not answer within 0.3 s.' },
    });
    await expect(backendSawClose).resolves.toBeUndefined();
  });

  test('answers 502 with a JSON error when the backend is down', async () => {
    const closedPort = await unusedPort();
    const orphan = await startFrontend({ backendUrl: `http://127.0.0.1:${closedPort}` });
    try {
      const response = await fetch(`${orphan.url}/api/query`, { method: 'POST', body: '{}' });

      expect(response.status).toBe(502);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toEqual({
        error: { code: 'backend_unavailable', message: 'The backend is not reachable right now.' },
      });
      const logged = orphan.logger.lines.map((line) => JSON.stringify(serializeError(line.fields.err)));
      expect(logged.some((line) => line?.includes('ECONNREFUSED'))).toBe(true);
    } finally {
      await orphan.close();
    }
  });
});

describe('api proxy: base path', () => {
  test('serves the API under the base path and strips it before forwarding', async () => {
    const prefixed = await startFrontend({ backendUrl: backend.url, basePath: '/pr-42' });
    try {
      const inside = await fetch(`${prefixed.url}/pr-42/api/stats?x=1`);
      const outside = await fetch(`${prefixed.url}/api/stats`);
      const lookalike = await fetch(`${prefixed.url}/pr-42/apis`);

      expect(inside.status).toBe(200);
      expect(outside.status).toBe(404);
      expect(lookalike.status).toBe(404);
      expect(backend.requests.map((request) => request.url)).toEqual(['/api/stats?x=1']);
    } finally {
      await prefixed.close();
    }
  });

  test('does not let dot segments climb out of /api', async () => {
    for (const path of ['/api/../ready', '/api/%2e%2e/health', '/api/%2E%2E/%2e%2e/etc']) {
      const response = await rawStatus(frontend.url, path);
      expect({ path, status: response }).toEqual({ path, status: 404 });
    }
    expect(backend.requests).toEqual([]);
  });

  test('keeps a path prefix that is part of BACKEND_URL', async () => {
    const nested = await startFrontend({ backendUrl: `${backend.url}/internal/` });
    try {
      await fetch(`${nested.url}/api/stats`);

      expect(backend.requests.at(-1)?.url).toBe('/internal/api/stats');
    } finally {
      await nested.close();
    }
  });
});

async function unusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** fetch (and http.get with a URL) would normalize the dot segments away; this sends the path as written. */
function rawStatus(origin: string, path: string): Promise<number | undefined> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    http
      .get({ hostname, port, path }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
      .on('error', reject);
  });
}

describe('api proxy: uploads', () => {
  test('streams a multipart body to the backend as it arrives, without buffering it', async () => {
    let firstChunkSeen!: () => void;
    const backendSawFirstChunk = new Promise<void>((resolve) => {
      firstChunkSeen = resolve;
    });
    const upstream = http.createServer((request, response) => {
      request.once('data', () => firstChunkSeen());
      request.resume();
      request.on('end', () => sendJson(response, 200, { results: [] }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const streamingFrontend = await startFrontend({
      backendUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    try {
      const request = http.request(`${streamingFrontend.url}/api/documents`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
      });
      const answered = new Promise<number>((resolve) =>
        request.once('response', (response) => resolve(response.statusCode ?? 0)),
      );
      request.write(
        '--x\r\ncontent-disposition: form-data; name="files"; filename="a.txt"\r\n\r\nfirst part',
      );
      // The client has not finished: the backend already has the first bytes.
      await backendSawFirstChunk;
      request.end(' and the rest\r\n--x--\r\n');
      expect(await answered).toBe(200);
    } finally {
      await streamingFrontend.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  test('refuses a body over MAX_REQUEST_BODY_BYTES with 413, declared or streamed, before the backend answers', async () => {
    const small = await startFrontend({ backendUrl: backend.url, maxRequestBodyBytes: 2048 });
    try {
      const declared = await fetch(`${small.url}/api/documents`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x'.repeat(4096),
      });
      expect(declared.status).toBe(413);
      expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
      expect(backend.requests).toHaveLength(0);

      const streamed = await new Promise<number>((resolve, reject) => {
        const request = http.request(`${small.url}/api/documents`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
        });
        request.once('response', (response) => resolve(response.statusCode ?? 0));
        request.once('error', reject);
        for (let index = 0; index < 8; index += 1) request.write('y'.repeat(1024));
        request.end();
      });
      expect(streamed).toBe(413);
    } finally {
      await small.close();
    }
  });
});
