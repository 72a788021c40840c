import { createHmac } from 'node:crypto';
import { MAX_KEY_FETCHES_PER_MINUTE } from '../../src/service-kit/alb-token';
import {
  type AlbSigner,
  mintAlbToken,
  newSignerKey,
  OTHER_ALB_ARN,
  startAlbSigner,
  TEST_ALB_ARN,
  TEST_CLIENT_ID,
  TEST_ISSUER,
  tamperedToken,
  unsignedToken,
} from '../support/alb-signer';
import { adminHeaders, errorCode, postJson, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

let signer: AlbSigner;
let app: TestApp;

const ADMIN_GROUP = 'ragchat-admins';

function signInEnv(keyEndpoint: string): Record<string, string> {
  return {
    SIGNIN_MODE: 'alb',
    SIGNIN_ALB_ARN: TEST_ALB_ARN,
    SIGNIN_KEY_ENDPOINT: keyEndpoint,
    SIGNIN_ISSUER: TEST_ISSUER,
    SIGNIN_CLIENT_ID: TEST_CLIENT_ID,
    SIGNIN_ADMIN_GROUP: ADMIN_GROUP,
  };
}

beforeAll(async () => {
  signer = await startAlbSigner();
  app = await startTestApp({ seed: false, env: signInEnv(signer.keyEndpoint) });
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  await app.close();
  await signer.close();
});

const signedIn = (token: string) => ({ 'x-amzn-oidc-data': token });

async function corpusDocuments(): Promise<number> {
  const response = await fetch(`${app.url}/api/stats`, { headers: adminHeaders });
  return ((await response.json()) as { documents: number }).documents;
}

describe('with SIGNIN_MODE=alb', () => {
  it.each(['/api/stats', '/api/documents', '/api/me', '/openapi.json'])(
    'refuses GET %s without a sign-in token',
    async (path) => {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe('unauthorized');
    },
  );

  it('refuses a query without a sign-in token before reading it', async () => {
    const response = await postJson(`${app.url}/api/query`, { query: 'What is Fargate?' });
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('unauthorized');
  });

  it('lets the load balancer health checker in without a token', async () => {
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/ready`)).status).toBe(200);
  });

  it('accepts a valid token and exposes sub, email and groups as the identity', async () => {
    const token = signer.mint({ claims: { 'cognito:groups': ['readers'] } });
    const response = await fetch(`${app.url}/api/me`, { headers: signedIn(token) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      signIn: 'alb',
      subject: 'user-1234',
      email: 'ada@example.com',
      groups: ['readers'],
      admin: false,
    });
    expect((await fetch(`${app.url}/api/stats`, { headers: signedIn(token) })).status).toBe(200);
    expect(signer.requestedKids).toContain(signer.key.kid);
  });

  const otherKey = newSignerKey();
  it.each<[string, () => string]>([
    ['a forged payload (sub changed after signing)', () => tamperedToken(signer.mint(), { sub: 'admin' })],
    [
      'forged groups (admin group added after signing)',
      () => tamperedToken(signer.mint(), { 'cognito:groups': [ADMIN_GROUP] }),
    ],
    ['an expired token', () => signer.mint({ expiresInSeconds: -60 })],
    [
      'a token signed by another key under the same kid',
      () => mintAlbToken({ key: { ...otherKey, kid: signer.key.kid } }),
    ],
    ['a token whose kid the key endpoint does not know', () => mintAlbToken({ key: otherKey })],
    ['alg: none without a signature', () => unsignedToken(signer.key)],
    ['HS256 keyed with the public key', () => hmacToken(signer.key.kid, signer.key.publicPem)],
    ['another load balancer as signer', () => signer.mint({ header: { signer: OTHER_ALB_ARN } })],
    [
      'another issuer',
      () =>
        signer.mint({
          header: { iss: 'https://evil.example.com' },
          claims: { iss: 'https://evil.example.com' },
        }),
    ],
    ['another app client', () => signer.mint({ header: { client: 'someone-elses-client' } })],
    ['no sub claim', () => signer.mint({ claims: { sub: undefined } })],
    ['garbage', () => 'not-a-jwt'],
  ])('refuses %s with 401', async (_name, token) => {
    const response = await fetch(`${app.url}/api/me`, { headers: signedIn(token()) });
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('unauthorized');
  });

  it('lets only the admin group manage documents; others get 403 and write nothing', async () => {
    const reader = signedIn(signer.mint({ claims: { 'cognito:groups': ['readers'] } }));
    const admin = signedIn(signer.mint({ claims: { sub: 'admin-1', 'cognito:groups': [ADMIN_GROUP] } }));
    const document = { title: 'Quokkas', content: 'Quokkas live on Rottnest Island.' };

    const refused = await postJson(`${app.url}/api/documents`, document, reader);
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('forbidden');
    expect(await corpusDocuments()).toBe(0);

    const created = await postJson(`${app.url}/api/documents`, document, admin);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    expect((await fetch(`${app.url}/api/documents/${id}`, { headers: reader })).status).toBe(403);
    expect((await fetch(`${app.url}/api/documents`, { headers: reader })).status).toBe(200);
    expect(
      (await fetch(`${app.url}/api/documents/${id}`, { method: 'DELETE', headers: reader })).status,
    ).toBe(403);
    expect((await fetch(`${app.url}/api/documents/${id}`, { headers: admin })).status).toBe(200);
    expect((await fetch(`${app.url}/api/documents/${id}`, { method: 'DELETE', headers: admin })).status).toBe(
      204,
    );
  });

  it('reads groups sent as one comma- or space-separated string', async () => {
    const token = signer.mint({ claims: { 'cognito:groups': `readers, ${ADMIN_GROUP}` } });
    const me = (await (await fetch(`${app.url}/api/me`, { headers: signedIn(token) })).json()) as {
      groups: string[];
      admin: boolean;
    };
    expect(me).toMatchObject({ groups: ['readers', ADMIN_GROUP], admin: true });
  });

  it('keeps the bearer ADMIN_TOKEN working for automation', async () => {
    const response = await fetch(`${app.url}/api/me`, { headers: adminHeaders });
    expect(await response.json()).toMatchObject({ subject: 'automation', admin: true });
  });
});

describe('forged tokens with made-up key ids', () => {
  it(`cost at most ${MAX_KEY_FETCHES_PER_MINUTE} key fetches a minute, and a cached real key keeps working`, async () => {
    const valid = signer.mint();
    expect((await fetch(`${app.url}/api/me`, { headers: signedIn(valid) })).status).toBe(200);
    const before = signer.requestedKids.length;
    for (let i = 0; i < MAX_KEY_FETCHES_PER_MINUTE + 10; i += 1) {
      const forged = mintAlbToken({ key: newSignerKey() });
      expect((await fetch(`${app.url}/api/me`, { headers: signedIn(forged) })).status).toBe(401);
    }
    expect(signer.requestedKids.length - before).toBeLessThanOrEqual(MAX_KEY_FETCHES_PER_MINUTE);
    expect((await fetch(`${app.url}/api/me`, { headers: signedIn(signer.mint()) })).status).toBe(200);
  });
});

describe('when the key endpoint cannot be reached', () => {
  let unreachable: TestApp;
  beforeAll(async () => {
    unreachable = await startTestApp({ seed: false, env: signInEnv('http://127.0.0.1:9') });
  }, STARTUP_TIMEOUT_MS);
  afterAll(() => unreachable.close());

  it('answers 503 signin_unavailable with Retry-After instead of refusing the user', async () => {
    const response = await fetch(`${unreachable.url}/api/me`, { headers: signedIn(signer.mint()) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await errorCode(response)).toBe('signin_unavailable');
  });
});

function hmacToken(kid: string, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 120;
  const input = `${encode({ alg: 'HS256', kid, signer: TEST_ALB_ARN, iss: TEST_ISSUER, client: TEST_CLIENT_ID, exp })}.${encode({ sub: 'user-1234', exp, iss: TEST_ISSUER })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
