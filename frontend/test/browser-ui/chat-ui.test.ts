import type { Browser } from 'playwright-core';
import { ask, lastAnswer, recordQueries, settledAnswer } from '../support/chat-page';
import { launchChromium, saveScreenshot, withPage } from '../support/chromium';
import {
  FAKE_SOURCES,
  type FakeBackend,
  sendJson,
  startEventStream,
  startFakeBackend,
  writeSseEvent,
} from '../support/fake-backend';
import { type RunningFrontend, startFrontend } from '../support/frontend-server';

/**
 * The page in Chromium against the scripted fake backend: the cases the real local backend cannot
 * produce on demand (throttling, a paused stream, model-written markdown).
 */
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

function gate(): { opened: Promise<void>; open(): void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('chat page with a scripted backend', () => {
  test('paints each token as it arrives, before the answer is finished', async () => {
    const secondToken = gate();
    backend.onQuery(async (_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES, mode: 'local', model: 'fake' });
      writeSseEvent(response, 'token', { text: 'Fargate runs ' });
      await secondToken.opened;
      writeSseEvent(response, 'token', { text: 'containers [1].' });
      writeSseEvent(response, 'done', { answer: 'Fargate runs containers [1].', timings: {} });
      response.end();
    });
    await withPage(browser, 'token-by-token', async (page) => {
      await page.goto(`${frontend.url}/`);
      await ask(page, 'What is Fargate?');

      const body = lastAnswer(page).locator('.answer');
      await body.getByText('Fargate runs').waitFor();
      expect(await body.getAttribute('aria-busy')).toBe('true');
      expect(await body.textContent()).not.toContain('containers');
      expect(await page.locator('#stop').isVisible()).toBe(true);
      expect(await page.locator('#send').isDisabled()).toBe(true);

      secondToken.open();
      await expect(settledAnswer(page)).resolves.toBe('Fargate runs containers [1].');
      expect(await body.getAttribute('aria-busy')).toBe('false');
      expect(await body.getAttribute('aria-live')).toBe('polite');
    });
  });

  test('a throttled backend says when to try again (Retry-After)', async () => {
    backend.onQuery((_request, response) =>
      sendJson(
        response,
        503,
        { error: { code: 'throttled', message: 'Too many requests' } },
        { 'Retry-After': '7' },
      ),
    );
    await withPage(browser, 'throttled-http', async (page) => {
      await page.goto(`${frontend.url}/`);
      await ask(page, 'What is Fargate?');
      await settledAnswer(page, 'failed');

      await expect(lastAnswer(page).locator('[role="alert"]').textContent()).resolves.toMatch(
        /^The model is busy\. Try again in 7 s\./,
      );
      expect(await lastAnswer(page).locator('.answer').textContent()).toBe('');
    });
  });

  test('throttling in the middle of a stream keeps the text so far and says when to try again', async () => {
    backend.onQuery((_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      writeSseEvent(response, 'token', { text: 'Partial answer' });
      writeSseEvent(response, 'error', {
        error: { code: 'throttled', message: 'slow down', retryAfterSeconds: 5 },
      });
      response.end();
    });
    await withPage(browser, 'throttled-stream', async (page) => {
      await page.goto(`${frontend.url}/`);
      await ask(page, 'What is Fargate?');

      await expect(settledAnswer(page, 'failed')).resolves.toBe('Partial answer');
      await expect(lastAnswer(page).locator('[role="alert"]').textContent()).resolves.toMatch(
        /^The model is busy\. Try again in 5 s\./,
      );
    });
  });

  test('renders model markdown safely: formatting and web links yes, script links and HTML no', async () => {
    const answer = [
      '## Summary',
      '**Fargate** runs `tasks` [1]. See [the docs](https://example.com/fargate) or [this](javascript:alert(1)).',
      '- one <b onmouseover="alert(2)">bold?</b>',
      '- two [2]',
      '- three [9]',
    ].join('\n');
    backend.onQuery((_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      for (const text of answer.match(/.{1,7}/gs) ?? []) writeSseEvent(response, 'token', { text });
      writeSseEvent(response, 'done', { answer, timings: {} });
      response.end();
    });
    await withPage(browser, 'markdown-rendering', async (page, watch) => {
      await page.goto(`${frontend.url}/`);
      await ask(page, 'Summarize Fargate');
      await settledAnswer(page);
      const body = lastAnswer(page).locator('.answer');

      expect(await body.locator('h4').textContent()).toBe('Summary');
      expect(await body.locator('strong').textContent()).toBe('Fargate');
      expect(await body.locator('code').textContent()).toBe('tasks');
      expect(await body.locator('li').count()).toBe(3);
      const links = await body
        .locator('a')
        .evaluateAll((anchors) =>
          anchors.map((anchor) => [
            anchor.textContent,
            anchor.getAttribute('href'),
            anchor.getAttribute('rel'),
          ]),
        );
      expect(links).toEqual([
        ['[1]', '#answer-1-source-1', null],
        ['the docs', 'https://example.com/fargate', 'noopener noreferrer nofollow'],
        ['[2]', '#answer-1-source-2', null],
      ]);
      await expect(body.textContent()).resolves.toContain('or this.');
      await expect(body.textContent()).resolves.toContain('<b onmouseover="alert(2)">bold?</b>');
      await expect(body.textContent()).resolves.toContain('three [9]');
      expect(await body.locator('b').count()).toBe(0);
      expect(watch.dialogs).toEqual([]);
    });
  });

  test('renders tables, nested and numbered lists, and code blocks whose copy buttons copy', async () => {
    const answer = [
      'Compare [1]:',
      '',
      '| Launch type | Billing | Notes |',
      '|:--|--:|:-:|',
      '| Fargate | per vCPU-second | `no hosts` |',
      '| EC2 | per instance |',
      '',
      '3. Build the image',
      '   - tag it',
      '   - push it',
      '4. Deploy',
      '',
      '```bash',
      'aws ecs update-service --force-new-deployment',
      '```',
    ].join('\n');
    backend.onQuery((_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      for (const text of answer.match(/.{1,5}/gs) ?? []) writeSseEvent(response, 'token', { text });
      writeSseEvent(response, 'done', {
        answer,
        timings: {},
        messageId: '11111111-1111-4111-8111-111111111111',
      });
      response.end();
    });
    await withPage(browser, 'markdown-blocks', async (page, watch) => {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await page.goto(`${frontend.url}/`);
      await ask(page, 'How do I deploy?');
      await settledAnswer(page);
      const body = lastAnswer(page).locator('.answer');

      const region = body.getByRole('region', { name: 'Table' });
      expect(await region.getAttribute('tabindex')).toBe('0');
      expect(await region.locator('th').allInnerTexts()).toEqual(['Launch type', 'Billing', 'Notes']);
      expect(await region.locator('th').first().getAttribute('scope')).toBe('col');
      expect(await region.locator('tbody tr').count()).toBe(2);
      expect(await region.locator('tbody tr').nth(1).locator('td').count()).toBe(3);
      expect(await region.locator('td.align-right').first().textContent()).toBe('per vCPU-second');
      expect(await region.locator('td code').textContent()).toBe('no hosts');

      const ordered = body.locator('ol').first();
      expect(await ordered.getAttribute('start')).toBe('3');
      expect(await ordered.locator(':scope > li').count()).toBe(2);
      expect(await ordered.locator(':scope > li').first().locator('ul > li').allInnerTexts()).toEqual([
        'tag it',
        'push it',
      ]);

      await body.getByRole('button', { name: 'Copy bash code' }).click();
      await body.getByRole('button', { name: 'Copy bash code' }).filter({ hasText: 'Copied' }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
        'aws ecs update-service --force-new-deployment',
      );
      await lastAnswer(page).getByRole('button', { name: 'Copy answer' }).click();
      await lastAnswer(page).getByRole('status').filter({ hasText: 'Answer copied.' }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(answer);
      expect(await page.locator('#conversation').locator('script, style, [style], [onclick]').count()).toBe(
        0,
      );
      expect(watch.pageErrors).toEqual([]);
    });
  });

  test('Escape in the question box stops a running answer', async () => {
    const never = gate();
    backend.onQuery(async (_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      writeSseEvent(response, 'token', { text: 'Still thinking' });
      await never.opened;
    });
    await withPage(browser, 'escape-stops', async (page) => {
      await page.goto(`${frontend.url}/`);
      await ask(page, 'What is Fargate?');
      await lastAnswer(page).getByText('Still thinking').waitFor();

      await page.keyboard.press('Escape');

      await expect(settledAnswer(page, 'stopped')).resolves.toBe('Still thinking');
      expect(await page.locator('#stop').isHidden()).toBe(true);
    });
    never.open();
  });

  test('under a base path the page loads its assets and calls the API under that path', async () => {
    backend.onQuery((_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      writeSseEvent(response, 'done', { answer: 'Under a prefix.', timings: {} });
      response.end();
    });
    const prefixed = await startFrontend({ backendUrl: backend.url, basePath: '/pr-42' });
    try {
      await withPage(browser, 'base-path', async (page, watch) => {
        const sent = recordQueries(page);
        const requested: string[] = [];
        page.on('request', (request) => requested.push(new URL(request.url()).pathname));
        await page.goto(`${prefixed.url}/pr-42`);
        await ask(page, 'Where am I?');

        await expect(settledAnswer(page)).resolves.toBe('Under a prefix.');
        expect(page.url()).toMatch(new RegExp(`^${prefixed.url}/pr-42/\\?conversation=[0-9a-f-]{36}$`));
        expect(sent).toHaveLength(1);
        expect(requested.filter((path) => !path.startsWith('/pr-42'))).toEqual([]);
        expect(requested).toEqual(
          expect.arrayContaining(['/pr-42/assets/app.js', '/pr-42/api/stats', '/pr-42/api/query']),
        );
        expect(watch.consoleErrors).toEqual([]);
      });
    } finally {
      await prefixed.close();
    }
  });

  test.each([
    ['light', { width: 1280, height: 800 }, 'rgb(246, 247, 249)'],
    ['dark', { width: 360, height: 740 }, 'rgb(17, 20, 24)'],
  ] as const)('fits a %s page at %j without sideways scrolling', async (scheme, viewport, background) => {
    backend.onQuery((_request, response) => {
      startEventStream(response);
      writeSseEvent(response, 'sources', { sources: FAKE_SOURCES });
      const answer = `A long unbroken token: ${'x'.repeat(300)} and a citation [1].`;
      writeSseEvent(response, 'done', { answer, timings: {} });
      response.end();
    });
    await withPage(
      browser,
      `layout-${scheme}`,
      async (page) => {
        await page.goto(`${frontend.url}/`);
        await ask(page, 'Show me a long answer');
        await settledAnswer(page);
        await lastAnswer(page).locator('summary').click();
        await saveScreenshot(page, `layout-${scheme}-${viewport.width}`);

        expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(background);
        expect(
          await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          ),
        ).toBe(0);
        expect(await page.locator('#send').isVisible()).toBe(true);
        expect(await page.locator('#new-chat').isVisible()).toBe(true);
      },
      { colorScheme: scheme, viewport },
    );
  });
});
