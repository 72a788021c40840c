import type { Browser } from 'playwright-core';
import { launchChromium, withPage } from '../support/chromium';
import { type FakeBackend, startFakeBackend } from '../support/fake-backend';
import { type RunningFrontend, startFrontend } from '../support/frontend-server';

jest.setTimeout(60_000);

let browser: Browser;
let backend: FakeBackend;
let frontend: RunningFrontend;

beforeAll(async () => {
  [browser, backend] = await Promise.all([launchChromium(), startFakeBackend()]);
  frontend = await startFrontend({ backendUrl: backend.url });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await frontend?.close();
  await backend?.close();
});

test('local mode says on the page that nobody signs in', async () => {
  await withPage(browser, 'no-sign-in-notice', async (page, watch) => {
    await page.goto(`${frontend.url}/`);
    const notice = page.locator('#sign-in-notice');
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toBe(
      'No sign-in: this is local mode, so anyone who can open this page can use it.',
    );
    expect(watch.consoleErrors).toEqual([]);
  });
});
