import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { LOCAL_ALB_ARN, LOCAL_KEYS_PATH } from '../../src/server/local-sign-in';
import { ask, lastAnswer, settledAnswer } from '../support/chat-page';
import { launchChromium, withPage } from '../support/chromium';
import { E2E_SETUP_TIMEOUT_MS, E2E_TEST_TIMEOUT_MS } from '../support/e2e-environment';
import { type RunningFrontend, startFrontend } from '../support/frontend-server';
import { type RealBackend, startRealBackend } from '../support/real-backend';

/**
 * Local sign-in end to end: the frontend plays the load balancer with its own key pair, the real
 * backend verifies the forwarded token from the frontend's key endpoint (SIGNIN_MODE=alb, the
 * production path), and Chromium signs in through the form, then chats until the daily limit.
 */
jest.setTimeout(E2E_TEST_TIMEOUT_MS);

const QUERIES_PER_DAY = 2;
let browser: Browser;
let frontend: RunningFrontend;
let backend: RealBackend;

beforeAll(async () => {
  // The backend needs the frontend's key endpoint, the frontend the backend's address: pick the port first.
  const backendPort = await freePort();
  [browser, frontend] = await Promise.all([
    launchChromium(),
    startFrontend({ backendUrl: `http://127.0.0.1:${backendPort}`, signIn: { mode: 'local' } }),
  ]);
  backend = await startRealBackend({
    port: backendPort,
    env: {
      SIGNIN_MODE: 'alb',
      SIGNIN_ALB_ARN: LOCAL_ALB_ARN,
      SIGNIN_KEY_ENDPOINT: `${frontend.url}${LOCAL_KEYS_PATH}`,
      QUERIES_PER_DAY: String(QUERIES_PER_DAY),
    },
  });
}, E2E_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await frontend?.close();
  await backend?.dispose();
});

test('signs in with the local key pair, chats, and hears the daily limit in plain words', async () => {
  await withPage(browser, 'local-sign-in-chat', async (page, watch) => {
    await page.goto(`${frontend.url}/`);
    await page.locator('h1', { hasText: 'Local sign-in (testing only)' }).waitFor();
    await page.locator('#email').fill('ada@example.com');
    await page.locator('#groups').fill('readers');
    await page.locator('button[type="submit"]').click();

    await page.locator('#sign-in-notice', { hasText: 'Signed in as ada@example.com.' }).waitFor();
    await page.locator('#stats', { hasText: /\d+ documents · \d+ chunks indexed/ }).waitFor();

    await ask(page, 'How does Fargate run containers on ECS?');
    expect(await settledAnswer(page)).toMatch(/Fargate|container/i);
    expect(await lastAnswer(page).locator('.answer a.citation').count()).toBeGreaterThan(0);

    await ask(page, 'What is AWS Fargate?');
    await settledAnswer(page);
    await ask(page, 'And how do I pay for it?');
    await settledAnswer(page, 'failed');
    await expect(lastAnswer(page).textContent()).resolves.toMatch(
      /You have asked 2 questions today, the daily limit\. It resets at midnight UTC, in \d+ (h|min)/,
    );
    expect(watch.pageErrors).toEqual([]);
    // The refused query is a 429 the browser itself reports; nothing else may fail.
    expect(watch.consoleErrors.filter((message) => !message.includes('429'))).toEqual([]);
  });
});

test('a request without a valid sign-in reaches neither the page nor the backend', async () => {
  expect((await fetch(`${frontend.url}/`, { redirect: 'manual' })).status).toBe(302);
  expect((await fetch(`${frontend.url}/api/stats`)).status).toBe(401);
  // The backend refuses a caller that goes around the frontend, too.
  expect((await fetch(`${backend.url}/api/stats`)).status).toBe(401);
  expect((await fetch(`${backend.url}/health`)).status).toBe(200);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}
