import { type AlbSigner, startAlbSigner, TEST_ALB_ARN } from '../support/alb-signer';
import { errorCode, postJson, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

/** 22:30 UTC: the limit resets in 1 h 30 min. */
const NOW_MS = Date.parse('2026-12-01T22:30:00Z');

function ask(app: TestApp, headers: Record<string, string> = {}, accept = 'application/json') {
  return postJson(`${app.url}/api/query`, { query: 'What is Fargate?' }, { accept, ...headers });
}

describe('daily query limit, sign-in off (per client address)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { QUERIES_PER_DAY: '2', GENERATED_TOKENS_PER_DAY: '0', TRUST_PROXY: 'true' },
      now: () => NOW_MS,
    });
  }, STARTUP_TIMEOUT_MS);
  afterAll(() => app.close());

  it('answers 429 daily_limit_reached with Retry-After until midnight UTC, in plain words', async () => {
    const client = { 'x-forwarded-for': '198.51.100.7' };
    expect((await ask(app, client)).status).toBe(200);
    expect((await ask(app, client, 'text/event-stream')).status).toBe(200);
    const refused = await ask(app, client, 'text/event-stream');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(90 * 60));
    const body = (await refused.json()) as {
      error: { code: string; message: string; retryAfterSeconds: number };
    };
    expect(body.error).toEqual({
      code: 'daily_limit_reached',
      message: 'You have asked 2 questions today, the daily limit. It resets at midnight UTC, in 1 h 30 min.',
      retryAfterSeconds: 5400,
    });
  });

  it('counts each client address apart, by the address the load balancer appended', async () => {
    // A client cannot pick its own address by sending a header: only the last entry counts.
    const spoofing = { 'x-forwarded-for': '10.0.0.1, 203.0.113.9' };
    expect((await ask(app, spoofing)).status).toBe(200);
    expect((await ask(app, { 'x-forwarded-for': '10.0.0.2, 203.0.113.9' })).status).toBe(200);
    expect((await ask(app, { 'x-forwarded-for': '10.0.0.3, 203.0.113.9' })).status).toBe(429);
  });

  it('does not count requests it refuses as invalid', async () => {
    const client = { 'x-forwarded-for': '192.0.2.44' };
    for (let i = 0; i < 3; i += 1) {
      const invalid = await postJson(`${app.url}/api/query`, { query: '' }, client);
      expect(invalid.status).toBe(400);
    }
    expect((await ask(app, client)).status).toBe(200);
  });
});

describe('daily generated-token limit, sign-in on (per user)', () => {
  let signer: AlbSigner;
  let app: TestApp;
  beforeAll(async () => {
    signer = await startAlbSigner();
    app = await startTestApp({
      env: {
        SIGNIN_MODE: 'alb',
        SIGNIN_ALB_ARN: TEST_ALB_ARN,
        SIGNIN_KEY_ENDPOINT: signer.keyEndpoint,
        QUERIES_PER_DAY: '100',
        // The local answerer streams word by word; one answer is well over 5 tokens.
        GENERATED_TOKENS_PER_DAY: '5',
      },
    });
  }, STARTUP_TIMEOUT_MS);
  afterAll(async () => {
    await app.close();
    await signer.close();
  });

  it('refuses the next question once today’s answers used the allowance, for that user only', async () => {
    const ada = { 'x-amzn-oidc-data': signer.mint({ claims: { sub: 'ada' } }) };
    const grace = { 'x-amzn-oidc-data': signer.mint({ claims: { sub: 'grace' } }) };
    const first = await ask(app, ada);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { answer: string }).answer.split(' ').length).toBeGreaterThan(5);
    const refused = await ask(app, ada);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await errorCode(refused)).toBe('daily_limit_reached');
    expect((await ask(app, grace)).status).toBe(200);
  });
});
