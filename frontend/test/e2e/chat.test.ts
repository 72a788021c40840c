import { ask, lastAnswer, recordQueries, settledAnswer } from '../support/chat-page';
import { withPage } from '../support/chromium';
import {
  E2E_SETUP_TIMEOUT_MS,
  E2E_TEST_TIMEOUT_MS,
  type E2eEnvironment,
  startE2eEnvironment,
} from '../support/e2e-environment';

jest.setTimeout(E2E_TEST_TIMEOUT_MS);

const SAMPLE_TITLES = /Fargate|ECS|containers/;
let env: E2eEnvironment;

beforeAll(async () => {
  env = await startE2eEnvironment();
}, E2E_SETUP_TIMEOUT_MS);

afterEach(() => env.link.setEventDelay(0));

afterAll(async () => {
  await env?.close();
});

describe('chat against the real backend (local mode)', () => {
  test('streams a cited answer about the sample corpus with collapsed sources', async () => {
    await withPage(env.browser, 'streams-a-cited-answer', async (page, watch) => {
      const answerResponse = page.waitForResponse((response) => response.url().endsWith('/api/query'));
      await page.goto(`${env.frontend.url}/`);
      await page.locator('#stats', { hasText: /\d+ documents · \d+ chunks indexed/ }).waitFor();
      await expect(page.locator('#stats .mode-badge').textContent()).resolves.toBe('Local mode');

      await ask(page, 'How does Fargate run containers on ECS?');
      const answer = await settledAnswer(page);

      expect((await answerResponse).headers()['content-type']).toMatch(/^text\/event-stream/);
      expect(answer).toMatch(/Fargate|container/i);
      expect(answer).not.toMatch(/^I don't know/);
      const citations = lastAnswer(page).locator('.answer a.citation');
      expect(await citations.count()).toBeGreaterThan(0);
      const sources = lastAnswer(page).locator('details.sources');
      expect(await sources.evaluate((details: HTMLDetailsElement) => details.open)).toBe(false);
      await expect(sources.locator('summary').textContent()).resolves.toMatch(/^Sources \(\d+\)$/);
      await expect(sources.locator('.source-title').first().textContent()).resolves.toMatch(SAMPLE_TITLES);
      await expect(sources.locator('.source-score').first().textContent()).resolves.toMatch(
        /relevance 0\.\d\d/,
      );

      const firstCitation = citations.first();
      const cited = (await firstCitation.getAttribute('href'))!.slice(1);
      await firstCitation.click();
      // The marker opens the cited passage; closing it leaves focus on the source in the opened list.
      const passage = page.locator('#passage-dialog[open]');
      await passage.locator('mark.passage-highlight').waitFor();
      expect(await sources.evaluate((details: HTMLDetailsElement) => details.open)).toBe(true);
      await passage.getByRole('button', { name: 'Close' }).click();
      await passage.waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(cited);
      expect(watch.pageErrors).toEqual([]);
      expect(watch.consoleErrors).toEqual([]);
    });
  });

  test('a follow-up question names the conversation, whose stored history the backend uses', async () => {
    await withPage(env.browser, 'multi-turn-follow-up', async (page) => {
      const sent = recordQueries(page);
      await page.goto(`${env.frontend.url}/`);

      await ask(page, 'What is reciprocal rank fusion?');
      await settledAnswer(page);
      await ask(page, 'Why use it?');
      const followUp = await settledAnswer(page);

      expect(sent).toHaveLength(2);
      expect(sent[0]?.conversationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(sent[1]).toEqual({ query: 'Why use it?', conversationId: sent[0]?.conversationId });
      expect(followUp).toMatch(/rank fusion/i);
      expect(await page.locator('.turn-user').count()).toBe(2);
      expect(await page.locator('.turn-assistant').count()).toBe(2);
    });
  });

  test('Stop aborts a running answer and the next question starts clean', async () => {
    await withPage(env.browser, 'stop-button', async (page) => {
      const sent = recordQueries(page);
      await page.goto(`${env.frontend.url}/`);
      // The local answerer streams in microseconds; paced like a model, it runs long enough to stop.
      env.link.setEventDelay(150);
      await ask(page, 'How does Fargate run containers on ECS?');
      await lastAnswer(page).locator('.answer a.citation, .answer p:not(.pending)').first().waitFor();
      await page.locator('#stop').click();
      const partial = await settledAnswer(page, 'stopped');
      // Several paced events' worth of time: nothing more may arrive after Stop.
      await page.waitForTimeout(600);
      expect(await lastAnswer(page).locator('.answer').textContent()).toBe(partial);

      await expect(lastAnswer(page).locator('.notice').textContent()).resolves.toBe('Stopped.');
      expect(await page.locator('#stop').isHidden()).toBe(true);
      expect(await page.locator('#send').isEnabled()).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('question');

      env.link.setEventDelay(0);
      await ask(page, 'How does Fargate run containers on ECS?');
      const full = await settledAnswer(page);
      expect(partial.length).toBeLessThan(full.length);
      expect(full.startsWith(partial.trim().split(/\s+/).slice(0, 3).join(' '))).toBe(true);
      // Both asks went to the same conversation; the page shows the stopped answer as stopped.
      expect(sent[1]?.conversationId).toBe(sent[0]?.conversationId);
      expect(await page.locator('.turn-assistant[data-state="stopped"]').count()).toBe(1);
    });
  });

  test('New chat clears the conversation and the history', async () => {
    await withPage(env.browser, 'new-chat', async (page) => {
      const sent = recordQueries(page);
      await page.goto(`${env.frontend.url}/`);
      await ask(page, 'What is retrieval-augmented generation?');
      await settledAnswer(page);
      expect(await page.locator('#intro').isHidden()).toBe(true);

      await page.locator('#new-chat').click();

      expect(await page.locator('#conversation > li').count()).toBe(0);
      expect(await page.locator('#intro').isVisible()).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('question');
      await ask(page, 'What is pgvector?');
      await settledAnswer(page);
      expect(sent[0]?.conversationId).not.toBe(sent[1]?.conversationId);
      expect(await page.locator('.turn-user .question').allInnerTexts()).toEqual(['What is pgvector?']);
    });
  });

  test('works with the keyboard alone', async () => {
    // An empty conversation list, so the tab order below is the page's own.
    await fetch(`${env.frontend.url}/api/conversations`, { method: 'DELETE' });
    await withPage(env.browser, 'keyboard-only', async (page) => {
      const sent = recordQueries(page);
      await page.goto(`${env.frontend.url}/`);
      await page.locator('.conversation-empty').waitFor();

      const focusOrder: string[] = [];
      for (let step = 0; step < 5; step += 1) {
        await page.keyboard.press('Tab');
        focusOrder.push(
          await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''),
        );
      }
      expect(focusOrder).toEqual(['skip-link', 'documents-open', 'new-chat', 'question', 'send']);

      await page.keyboard.press('Shift+Tab');
      await page.keyboard.type('What does an HNSW index do?');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('Answer briefly.');
      expect(await page.locator('#question').inputValue()).toBe(
        'What does an HNSW index do?\nAnswer briefly.',
      );
      expect(sent).toHaveLength(0);

      await page.keyboard.press('Enter');
      await settledAnswer(page);
      expect(sent.map((query) => query.query)).toEqual(['What does an HNSW index do?\nAnswer briefly.']);
      expect(await page.locator('#question').inputValue()).toBe('');

      // From the question box, Shift+Tab walks back into the answer: the sources summary opens with Enter.
      const summary = lastAnswer(page).locator('summary');
      for (
        let step = 0;
        step < 20 && !(await summary.evaluate((element) => element === document.activeElement));
        step += 1
      ) {
        await page.keyboard.press('Shift+Tab');
      }
      await page.keyboard.press('Enter');
      expect(
        await lastAnswer(page)
          .locator('details')
          .evaluate((details: HTMLDetailsElement) => details.open),
      ).toBe(true);
    });
  });

  test('a document full of XSS payloads, ingested through the API and retrieved, stays inert', async () => {
    const ingest = await fetch(`${env.frontend.url}/api/documents`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${env.backend.adminToken}` },
      body: JSON.stringify({ title: XSS_TITLE, content: XSS_CONTENT }),
    });
    expect(ingest.status).toBe(201);

    await withPage(env.browser, 'xss-document', async (page, watch) => {
      await page.addInitScript(() => {
        const violations: string[] = [];
        Object.assign(window, { __cspViolations: violations });
        document.addEventListener('securitypolicyviolation', (event) =>
          violations.push(event.violatedDirective),
        );
      });
      await page.goto(`${env.frontend.url}/`);

      await ask(
        page,
        'What do quokka zebrafish dashboards and runbooks do? <img src=x onerror="window.__xss=1">',
      );
      const answer = await settledAnswer(page);
      await lastAnswer(page).locator('summary').click();

      expect(answer).toContain('Quokka zebrafish');
      expect(answer).toMatch(/<iframe src=|<img src=|<script>|<svg onload=/);
      await expect(
        lastAnswer(page).locator('xpath=preceding-sibling::li[1]').textContent(),
      ).resolves.toContain('<img src=x onerror="window.__xss=1">');
      await expect(lastAnswer(page).locator('.source-title').first().textContent()).resolves.toBe(XSS_TITLE);
      const conversation = page.locator('#conversation');
      await expect(conversation.textContent()).resolves.toContain("<script>window.__xss = 'script'</script>");
      expect(
        await conversation.locator('script, img, svg, iframe, object, embed, style, link, meta').count(),
      ).toBe(0);
      expect(await conversation.evaluate(attributesOutsideAllowList)).toEqual([]);
      const hrefs = await conversation
        .locator('a')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
      expect(
        hrefs.filter(
          (href) => !/^(#answer-\d+-source-\d+|#passage|https:\/\/example\.com\/)$/.test(href ?? ''),
        ),
      ).toEqual([]);
      // Even "clicking" where the javascript: link would have been runs nothing.
      await lastAnswer(page).getByText('open the runbook').first().click();

      expect(await page.evaluate(() => Reflect.get(window, '__xss'))).toBeUndefined();
      expect(await page.evaluate(() => Reflect.get(window, '__cspViolations'))).toEqual([]);
      expect(watch.dialogs).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
    });
  });
});

const XSS_TITLE = 'Quokka <img src=x onerror="window.__xss=\'title\'"> field notes';
const XSS_CONTENT = [
  "Quokka zebrafish telemetry is kept in the vault. <script>window.__xss = 'script'</script>",
  "Quokka zebrafish dashboards load fast. <img src=x onerror=\"window.__xss='img'; alert('img')\">",
  "Quokka zebrafish runbooks: [open the runbook](javascript:window.__xss='link';alert('link')).",
  'Quokka zebrafish alerts page the on-call team. <a href="javascript:alert(1)">click</a> <svg onload="alert(2)"></svg>',
  'Quokka zebrafish dashboards also embed <iframe src="javascript:alert(3)"></iframe> frames.',
  'Quokka zebrafish runbooks link to **the [vendor docs](https://example.com/)**.',
].join('\n\n');

/** Attributes the renderer is allowed to set; anything else (on*, style, src...) means injected markup. */
function attributesOutsideAllowList(root: Element): string[] {
  const allowed = new Set([
    'class',
    'id',
    'href',
    'rel',
    'target',
    'tabindex',
    'aria-live',
    'aria-busy',
    'aria-label',
    'aria-pressed',
    'hidden',
    'maxlength',
    'rows',
    'data-state',
    'data-source',
    // The passage link under each source (passage-view.ts opens it).
    'data-document-id',
    'data-chunk-id',
    'role',
    'open',
    'type',
  ]);
  const found: string[] = [];
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of element.getAttributeNames()) {
      if (!allowed.has(attribute)) found.push(`${element.tagName.toLowerCase()}[${attribute}]`);
    }
  }
  return found;
}
