import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { CONTENT_SECURITY_POLICY } from '../../src/server/security-headers';
import { type FakeBackend, startFakeBackend } from '../support/fake-backend';
import { type RunningFrontend, startFrontend } from '../support/frontend-server';

let backend: FakeBackend;
let frontend: RunningFrontend;
let prefixed: RunningFrontend;

beforeAll(async () => {
  backend = await startFakeBackend();
  frontend = await startFrontend({ backendUrl: backend.url });
  prefixed = await startFrontend({ backendUrl: backend.url, basePath: '/pr-42' });
});

afterAll(async () => {
  await prefixed.close();
  await frontend.close();
  await backend.close();
});

function expectSecurityHeaders(response: Response): void {
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toBe(CONTENT_SECURITY_POLICY);
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
}

describe('security headers', () => {
  test.each(['/', '/assets/app.js', '/health', '/missing', '/api/stats'])('are set on %s', async (path) => {
    expectSecurityHeaders(await fetch(`${frontend.url}${path}`));
  });

  test('are set on proxy errors', async () => {
    const orphan = await startFrontend({ backendUrl: 'http://127.0.0.1:9' });
    try {
      const response = await fetch(`${orphan.url}/api/stats`);
      expect(response.status).toBe(502);
      expectSecurityHeaders(response);
    } finally {
      await orphan.close();
    }
  });
});

describe('chat page', () => {
  test('has no inline script, style or event handler for the CSP to trip over', async () => {
    const html = await (await fetch(`${frontend.url}/`)).text();

    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/src="\/assets\/app\.js\?v=[\w-]{12}"/);
    expect(html).not.toMatch(/<script>[^<]/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).not.toContain('{{');
  });

  test('is labelled for assistive technology', async () => {
    const html = await (await fetch(`${frontend.url}/`)).text();

    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<label for="question"/);
    expect(html).toMatch(/id="question"/);
    expect(html).toContain('name="viewport"');
  });

  test('is served with no-cache and revalidates with its ETag', async () => {
    const first = await fetch(`${frontend.url}/`);
    const etag = first.headers.get('etag') ?? '';

    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const second = await fetch(`${frontend.url}/`, { headers: { 'If-None-Match': etag } });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe('');
  });
});

describe('static assets', () => {
  test('are compressed for clients that accept it and cached for good', async () => {
    const plain = await fetch(`${frontend.url}/assets/app.js`, {
      headers: { 'Accept-Encoding': 'identity' },
    });
    const plainBody = Buffer.from(await plain.arrayBuffer());
    const gzip = await rawGet(`${frontend.url}/assets/app.js`, 'gzip');

    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(gzip.encoding).toBe('gzip');
    expect(gzip.body.length).toBeLessThan(plainBody.length);
    expect(gunzipSync(gzip.body).equals(plainBody)).toBe(true);
  });

  test('unknown assets are a JSON 404, not the page', async () => {
    const response = await fetch(`${frontend.url}/assets/../../package.json`);
    const missing = await fetch(`${frontend.url}/assets/secret.txt`);

    expect(response.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'Nothing here.' } });
  });
});

describe('request log', () => {
  test('logs one line per request with its id, and forwards a new id to the backend', async () => {
    const response = await fetch(`${frontend.url}/api/stats`);
    const requestId = response.headers.get('x-request-id') ?? '';
    await response.arrayBuffer();
    await new Promise((resolve) => setImmediate(resolve));

    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(backend.requests.at(-1)?.headers['x-request-id']).toBe(requestId);
    expect(frontend.logger.lines.filter((line) => line.fields.requestId === requestId)).toEqual([
      {
        msg: 'request',
        fields: { requestId, method: 'GET', path: '/api/stats', status: 200, durationMs: expect.any(Number) },
      },
    ]);
  });

  test("keeps a caller's well-formed id, replaces a malformed one, and does not log health checks", async () => {
    const kept = await fetch(`${frontend.url}/`, { headers: { 'X-Request-Id': 'trace-123' } });
    const replaced = await fetch(`${frontend.url}/`, { headers: { 'X-Request-Id': 'bad id; drop table' } });
    const linesBefore = frontend.logger.lines.length;
    await fetch(`${frontend.url}/health`);
    await new Promise((resolve) => setImmediate(resolve));

    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    expect(replaced.headers.get('x-request-id')).not.toContain('bad');
    expect(frontend.logger.lines.slice(linesBefore).map((line) => line.fields.path)).not.toContain('/health');
  });
});

describe('health', () => {
  test('answers at the root and under the base path', async () => {
    for (const url of [`${frontend.url}/health`, `${prefixed.url}/health`, `${prefixed.url}/pr-42/health`]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
    expect(backend.requests.filter((request) => request.url === '/health')).toHaveLength(0);
  });
});

describe('base path', () => {
  test('serves the page and assets under the prefix with prefixed URLs', async () => {
    const html = await (await fetch(`${prefixed.url}/pr-42/`)).text();

    expect(html).toContain('<meta name="ragchat-base-path" content="/pr-42"');
    expect(html).toMatch(/src="\/pr-42\/assets\/app\.js\?v=/);
    expect(html).toMatch(/href="\/pr-42\/assets\/app\.css\?v=/);
    expect((await fetch(`${prefixed.url}/pr-42/assets/app.css`)).status).toBe(200);
  });

  test('redirects the bare prefix to its trailing-slash form', async () => {
    const response = await fetch(`${prefixed.url}/pr-42?x=1`, { redirect: 'manual' });

    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/pr-42/?x=1');
  });

  test('serves nothing outside the prefix', async () => {
    expect((await fetch(`${prefixed.url}/`)).status).toBe(404);
    expect((await fetch(`${prefixed.url}/assets/app.js`)).status).toBe(404);
    expect((await fetch(`${prefixed.url}/pr-421/`)).status).toBe(404);
  });
});

/** fetch always decompresses; this reads the bytes as sent. */
function rawGet(
  url: string,
  acceptEncoding: string,
): Promise<{ encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'Accept-Encoding': acceptEncoding } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }),
      );
    })
      .on('error', reject)
      .end();
  });
}
