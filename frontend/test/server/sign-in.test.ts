import { createAlbTokenVerifier } from '@ragchat/backend/service-kit';
import {
  type AlbSigner,
  mintAlbToken,
  newSignerKey,
  OTHER_ALB_ARN,
  startAlbSigner,
  TEST_ALB_ARN,
  TEST_ISSUER,
  tamperedToken,
  unsignedToken,
} from '../../../backend/test/support/alb-signer';
import { LOCAL_ALB_ARN, LOCAL_ISSUER } from '../../src/server/local-sign-in';
import { type FakeBackend, startFakeBackend } from '../support/fake-backend';
import { type RunningFrontend, startFrontend } from '../support/frontend-server';

let signer: AlbSigner;
let backend: FakeBackend;
let frontend: RunningFrontend;

beforeAll(async () => {
  signer = await startAlbSigner();
  backend = await startFakeBackend();
  frontend = await startFrontend({
    backendUrl: backend.url,
    signIn: {
      mode: 'alb',
      albArn: TEST_ALB_ARN,
      keyEndpoint: signer.keyEndpoint,
      issuer: TEST_ISSUER,
      clientId: undefined,
    },
  });
});

afterAll(async () => {
  await frontend.close();
  await backend.close();
  await signer.close();
});

const signedIn = (token: string) => ({ 'x-amzn-oidc-data': token });

describe('SIGNIN_MODE=alb', () => {
  test.each(['/', '/assets/app.js', '/api/stats'])('refuses GET %s without a token', async (path) => {
    const response = await fetch(`${frontend.url}${path}`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: 'unauthorized', message: 'Sign-in required: this request carries no sign-in token.' },
    });
  });

  test('lets the target-group health check in without a token', async () => {
    expect((await fetch(`${frontend.url}/health`)).status).toBe(200);
  });

  test('serves the page to a signed-in user and forwards the token to the backend', async () => {
    const token = signer.mint();
    expect((await fetch(`${frontend.url}/`, { headers: signedIn(token) })).status).toBe(200);
    const before = backend.requests.length;
    const proxied = await fetch(`${frontend.url}/api/stats`, { headers: signedIn(token) });
    expect(proxied.status).toBe(200);
    expect(backend.requests.slice(before).map((request) => request.headers['x-amzn-oidc-data'])).toEqual([
      token,
    ]);
  });

  const otherKey = newSignerKey();
  test.each<[string, () => string]>([
    ['a forged payload', () => tamperedToken(signer.mint(), { sub: 'someone-else' })],
    ['an expired token', () => signer.mint({ expiresInSeconds: -30 })],
    [
      'a token signed by another key under the same kid',
      () => mintAlbToken({ key: { ...otherKey, kid: signer.key.kid } }),
    ],
    ['an unknown kid', () => mintAlbToken({ key: otherKey })],
    ['alg: none', () => unsignedToken(signer.key)],
    ['another load balancer as signer', () => signer.mint({ header: { signer: OTHER_ALB_ARN } })],
    [
      'another issuer',
      () => signer.mint({ header: { iss: 'https://evil.test' }, claims: { iss: 'https://evil.test' } }),
    ],
  ])('refuses %s with 401 and never calls the backend', async (_name, token) => {
    const before = backend.requests.length;
    for (const path of ['/', '/api/stats']) {
      const response = await fetch(`${frontend.url}${path}`, { headers: signedIn(token()) });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect(backend.requests.length).toBe(before);
  });

  test('answers 503 signin_unavailable when the key endpoint is down', async () => {
    const orphan = await startFrontend({
      backendUrl: backend.url,
      signIn: {
        mode: 'alb',
        albArn: TEST_ALB_ARN,
        keyEndpoint: 'http://127.0.0.1:9',
        issuer: undefined,
        clientId: undefined,
      },
    });
    try {
      const response = await fetch(`${orphan.url}/`, { headers: signedIn(signer.mint()) });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
    } finally {
      await orphan.close();
    }
  });
});

describe('SIGNIN_MODE=local', () => {
  let local: RunningFrontend;
  beforeAll(async () => {
    local = await startFrontend({ backendUrl: backend.url, signIn: { mode: 'local' }, basePath: '/pr-7' });
  });
  afterAll(() => local.close());

  async function signIn(): Promise<string> {
    const response = await fetch(`${local.url}/pr-7/local-sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        email: 'dev@example.com',
        groups: 'ragchat-admins, readers',
        next: '/pr-7/',
      }),
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/pr-7/');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/httponly/i);
    return cookie.split(';')[0] ?? '';
  }

  test('sends a browser without a session to the local sign-in form', async () => {
    const response = await fetch(`${local.url}/pr-7/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/pr-7/local-sign-in?next=%2Fpr-7%2F');
    const form = await (await fetch(`${local.url}/pr-7/local-sign-in`)).text();
    expect(form).toContain('Local sign-in (testing only)');
    expect(form).toContain('action="/pr-7/local-sign-in"');
  });

  test('refuses the API without a session (401, not a redirect)', async () => {
    const response = await fetch(`${local.url}/pr-7/api/stats`, { redirect: 'manual' });
    expect(response.status).toBe(401);
  });

  test('signs in, then forwards an ALB-shaped token the backend can verify from the local key endpoint', async () => {
    const cookie = await signIn();
    expect((await fetch(`${local.url}/pr-7/`, { headers: { cookie } })).status).toBe(200);
    const before = backend.requests.length;
    expect((await fetch(`${local.url}/pr-7/api/stats`, { headers: { cookie } })).status).toBe(200);
    const token = String(backend.requests[before]?.headers['x-amzn-oidc-data']);
    // The backend's verifier with SIGNIN_KEY_ENDPOINT=<frontend>/pr-7/local-sign-in/keys.
    const verify = createAlbTokenVerifier({
      albArn: LOCAL_ALB_ARN,
      issuer: LOCAL_ISSUER,
      clientId: undefined,
      keyEndpoint: `${local.url}/pr-7/local-sign-in/keys`,
    });
    expect(await verify(token)).toMatchObject({
      valid: true,
      claims: {
        email: 'dev@example.com',
        'cognito:groups': ['ragchat-admins', 'readers'],
        sub: expect.stringMatching(/^local-[0-9a-f]{16}$/),
      },
    });
  });

  test('still verifies a token sent without a session, so a forged one is refused', async () => {
    const response = await fetch(`${local.url}/pr-7/api/stats`, {
      headers: signedIn(signer.mint({ header: { signer: LOCAL_ALB_ARN } })),
    });
    expect(response.status).toBe(401);
  });

  test('refuses to redirect outside the base path after sign-in', async () => {
    const response = await fetch(`${local.url}/pr-7/local-sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'dev@example.com', next: '//evil.example.com/' }),
      redirect: 'manual',
    });
    expect(response.headers.get('location')).toBe('/pr-7/');
  });
});
