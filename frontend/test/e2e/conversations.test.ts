import { ask, lastAnswer, recordQueries, settledAnswer } from '../support/chat-page';
import { withPage } from '../support/chromium';
import {
  E2E_SETUP_TIMEOUT_MS,
  E2E_TEST_TIMEOUT_MS,
  type E2eEnvironment,
  startE2eEnvironment,
} from '../support/e2e-environment';

jest.setTimeout(E2E_TEST_TIMEOUT_MS * 2);

let env: E2eEnvironment;

beforeAll(async () => {
  env = await startE2eEnvironment();
}, E2E_SETUP_TIMEOUT_MS);

afterEach(() => env.link.setEventDelay(0));

afterAll(async () => {
  await env?.close();
});

const FIRST = 'What is AWS Fargate?';
const SECOND = 'What is reciprocal rank fusion?';
/** Names no topic: only the stored history (the question before it) can make it about rank fusion. */
const FOLLOW_UP = 'Tell me more about it.';

describe('conversations that last (local mode, real backend)', () => {
  test('two questions, a reload, the conversation from the list, a follow-up, feedback in the export', async () => {
    const alone = await fetch(`${env.backend.url}/api/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: FOLLOW_UP }),
    });
    expect(((await alone.json()) as { answer: string }).answer).not.toMatch(/rank fusion/i);

    await withPage(env.browser, 'conversation-survives-reload', async (page, watch) => {
      const sent = recordQueries(page);
      await page.goto(`${env.frontend.url}/`);
      await ask(page, FIRST);
      await settledAnswer(page);
      await ask(page, SECOND);
      const secondAnswer = await settledAnswer(page);
      expect(secondAnswer).toMatch(/rank fusion/i);
      const active = page.locator('.conversation-open[aria-current="true"]');
      await expect(active.textContent()).resolves.toBe(FIRST);

      // A reload reopens the conversation named in the URL.
      await page.reload();
      await page.locator('.turn-assistant[data-state="complete"]').nth(1).waitFor();
      expect(await page.locator('.turn-user .question').allInnerTexts()).toEqual([FIRST, SECOND]);

      // A fresh visit starts a new chat; the conversation waits in the list.
      await page.goto(`${env.frontend.url}/`);
      const listed = page.locator('.conversation-open', { hasText: FIRST });
      await listed.waitFor();
      expect(await page.locator('.turn').count()).toBe(0);
      await listed.focus();
      await page.keyboard.press('Enter');
      await page.locator('.turn-user .question', { hasText: SECOND }).waitFor();
      await expect(lastAnswer(page).locator('.answer').textContent()).resolves.toBe(secondAnswer);

      await ask(page, FOLLOW_UP);
      const followUp = await settledAnswer(page);
      expect(followUp).toMatch(/rank fusion/i);
      expect(sent.at(-1)).toEqual({ query: FOLLOW_UP, conversationId: sent[0]?.conversationId });
      expect(new Set(sent.map((query) => query.conversationId)).size).toBe(1);

      const bad = lastAnswer(page).getByRole('button', { name: 'Bad answer' });
      await bad.click();
      await lastAnswer(page).locator('.action-status', { hasText: 'Thanks, noted.' }).waitFor();
      expect(await bad.getAttribute('aria-pressed')).toBe('true');
      await expect(page.evaluate(() => document.activeElement?.className)).resolves.toBe('feedback-comment');
      await page.keyboard.type('It should say how the two rankings are weighted.');
      await lastAnswer(page).getByRole('button', { name: 'Send feedback' }).click();
      await lastAnswer(page).locator('.action-status', { hasText: 'Thanks for the feedback.' }).waitFor();
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Bad answer');

      const exported = await fetch(`${env.frontend.url}/api/feedback/export`);
      expect(exported.status).toBe(200);
      const records = (await exported.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records).toEqual([
        expect.objectContaining({
          rating: 'down',
          comment: 'It should say how the two rankings are weighted.',
          question: FOLLOW_UP,
          answer: followUp,
          model: 'local-extractive-v1',
          owner: 'local',
        }),
      ]);
      expect(records[0]?.sources).toEqual(
        expect.arrayContaining([expect.objectContaining({ title: expect.any(String) })]),
      );

      // After another reload the rating is still shown on the answer.
      await page.reload();
      await page.locator('.turn-assistant[data-state="complete"]').nth(2).waitFor();
      await expect(
        lastAnswer(page).getByRole('button', { name: 'Bad answer' }).getAttribute('aria-pressed'),
      ).resolves.toBe('true');
      expect(watch.pageErrors).toEqual([]);
      expect(watch.consoleErrors).toEqual([]);
    });
  });

  test('an answer keeps streaming while the list is renamed, and regenerate replaces it', async () => {
    await withPage(env.browser, 'streaming-while-list-changes', async (page, watch) => {
      const sent = recordQueries(page);
      await page.goto(`${env.frontend.url}/`);
      await ask(page, 'What is pgvector?');
      await settledAnswer(page);
      await page.locator('#new-chat').click();

      env.link.setEventDelay(300);
      await ask(page, 'How does Fargate run containers on ECS?');
      await lastAnswer(page).locator('.answer p:not(.pending)').first().waitFor();
      expect(await lastAnswer(page).getAttribute('data-state')).toBeNull();
      const rename = page.getByRole('button', { name: 'Rename “What is pgvector?”' });
      await rename.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('Vectors in Postgres');
      await page.keyboard.press('Enter');
      await page.locator('.conversation-open', { hasText: 'Vectors in Postgres' }).waitFor();
      const streamed = await settledAnswer(page);
      env.link.setEventDelay(0);
      expect(streamed).toMatch(/container/i);
      const titles = await page.locator('.conversation-open').allInnerTexts();
      // The rename moved it up; the answer that finished after it moved its own conversation above it.
      expect(titles.slice(0, 2)).toEqual(['How does Fargate run containers on ECS?', 'Vectors in Postgres']);

      await lastAnswer(page).getByRole('button', { name: 'Regenerate answer' }).click();
      await expect(settledAnswer(page)).resolves.toBe(streamed);
      expect(sent.at(-1)).toMatchObject({
        query: 'How does Fargate run containers on ECS?',
        regenerate: true,
      });
      expect(await page.locator('.turn-assistant').count()).toBe(1);
      const stored = (await (
        await fetch(`${env.backend.url}/api/conversations/${sent.at(-1)?.conversationId}`)
      ).json()) as { messages: unknown[] };
      expect(stored.messages).toHaveLength(1);

      await page.getByRole('button', { name: 'Delete “Vectors in Postgres”' }).click();
      await page.locator('#conversations-status', { hasText: 'Deleted “Vectors in Postgres”.' }).waitFor();
      expect(await page.locator('.conversation-open', { hasText: 'Vectors in Postgres' }).count()).toBe(0);
      // Focus stays in the list, on the neighbouring conversation.
      await expect(page.evaluate(() => document.activeElement?.className)).resolves.toBe('conversation-open');
      expect(watch.pageErrors).toEqual([]);
    });
  });

  test('on a phone the list is a panel the header button opens and Escape closes', async () => {
    await withPage(
      env.browser,
      'phone-conversation-panel',
      async (page) => {
        await page.goto(`${env.frontend.url}/`);
        const toggle = page.locator('#conversations-toggle');
        const panel = page.locator('#conversations');
        expect(await panel.isVisible()).toBe(false);
        await toggle.click();
        expect(await toggle.getAttribute('aria-expanded')).toBe('true');
        expect(await panel.isVisible()).toBe(true);
        await page.locator('.conversation-open').first().focus();
        await page.keyboard.press('Escape');
        expect(await panel.isVisible()).toBe(false);
        await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('conversations-toggle');
        expect(
          await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          ),
        ).toBe(0);
      },
      { viewport: { width: 360, height: 740 } },
    );
  });
});
