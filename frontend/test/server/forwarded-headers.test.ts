import { type FakeBackend, startFakeBackend } from '../support/fake-backend';
import { type RunningFrontend, startFrontend } from '../support/frontend-server';

let backend: FakeBackend;
let behindAlb: RunningFrontend;
let direct: RunningFrontend;

beforeAll(async () => {
  backend = await startFakeBackend();
  behindAlb = await startFrontend({ backendUrl: backend.url, trustProxy: true, hstsMaxAgeSeconds: 600 });
  direct = await startFrontend({ backendUrl: backend.url, trustProxy: false });
});

afterAll(async () => {
  await behindAlb.close();
  await direct.close();
  await backend.close();
});

describe('HSTS', () => {
  test('is sent when the load balancer says the request came over HTTPS', async () => {
    for (const path of ['/', '/api/stats', '/missing']) {
      const response = await fetch(`${behindAlb.url}${path}`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(response.headers.get('strict-transport-security')).toBe('max-age=600; includeSubDomains');
    }
  });

  test('is not sent over plain HTTP', async () => {
    const response = await fetch(`${behindAlb.url}/`, { headers: { 'x-forwarded-proto': 'http' } });
    expect(response.headers.get('strict-transport-security')).toBeNull();
    expect((await fetch(`${behindAlb.url}/`)).headers.get('strict-transport-security')).toBeNull();
  });

  test('ignores X-Forwarded-Proto unless TRUST_PROXY is on', async () => {
    const response = await fetch(`${direct.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  test('is off with HSTS_MAX_AGE=0', async () => {
    const off = await startFrontend({ backendUrl: backend.url, trustProxy: true, hstsMaxAgeSeconds: 0 });
    try {
      const response = await fetch(`${off.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(response.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await off.close();
    }
  });
});

describe('client address for the backend', () => {
  test('behind the ALB, its X-Forwarded-For is passed on unchanged', async () => {
    const before = backend.requests.length;
    await fetch(`${behindAlb.url}/api/stats`, { headers: { 'x-forwarded-for': '10.9.9.9, 203.0.113.5' } });
    expect(backend.requests[before]?.headers['x-forwarded-for']).toBe('10.9.9.9, 203.0.113.5');
  });

  test('without TRUST_PROXY a client cannot choose its address: the socket peer is sent', async () => {
    const before = backend.requests.length;
    await fetch(`${direct.url}/api/stats`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(backend.requests[before]?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });
});
