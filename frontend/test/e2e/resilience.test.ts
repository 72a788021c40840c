import { ask, lastAnswer, recordQueries, settledAnswer } from '../support/chat-page';
import { withPage } from '../support/chromium';
import {
  E2E_SETUP_TIMEOUT_MS,
  E2E_TEST_TIMEOUT_MS,
  type E2eEnvironment,
  startE2eEnvironment,
} from '../support/e2e-environment';

jest.setTimeout(E2E_SETUP_TIMEOUT_MS);

let env: E2eEnvironment;

beforeAll(async () => {
  env = await startE2eEnvironment();
}, E2E_SETUP_TIMEOUT_MS);

afterEach(() => env.link.setEventDelay(0));

afterAll(async () => {
  await env?.close();
});

describe('failures shown in the conversation', () => {
  test(
    'backend stopped mid-session: a visible error, then recovery once it is back',
    async () => {
      await withPage(env.browser, 'backend-down-and-back', async (page, watch) => {
        const sent = recordQueries(page);
        await page.goto(`${env.frontend.url}/`);
        await ask(page, 'What is AWS Fargate?');
        const firstAnswer = await settledAnswer(page);

        await env.backend.stop();
        await ask(page, 'How do blue/green deployments work?');
        await settledAnswer(page, 'failed');

        const alert = lastAnswer(page).locator('[role="alert"]');
        await expect(alert.textContent()).resolves.toMatch(
          /^The chat backend is not reachable right now\. Try again in 5 s\./,
        );
        await expect(page.locator('#stats').textContent()).resolves.toBe('Index status unavailable');
        await expect(page.locator('.turn-assistant .answer').first().textContent()).resolves.toBe(
          firstAnswer,
        );
        expect(await page.locator('#send').isEnabled()).toBe(true);

        await env.backend.restart();
        await alert.getByRole('button', { name: 'Try again' }).focus();
        await page.keyboard.press('Enter');
        const recovered = await settledAnswer(page);

        expect(recovered).toMatch(/blue|green|deploy/i);
        await page.locator('#stats', { hasText: /documents · \d+ chunks indexed/ }).waitFor();
        expect(sent.map((query) => query.query)).toEqual([
          'What is AWS Fargate?',
          'How do blue/green deployments work?',
          'How do blue/green deployments work?',
        ]);
        // One conversation throughout; the failed attempt stored nothing.
        expect(new Set(sent.map((query) => query.conversationId)).size).toBe(1);
        const stored = (await (
          await fetch(`${env.backend.url}/api/conversations/${sent[0]?.conversationId}`)
        ).json()) as { messages: { question: string }[] };
        expect(stored.messages.map((message) => message.question)).toEqual([
          'What is AWS Fargate?',
          'How do blue/green deployments work?',
        ]);
        expect(watch.pageErrors).toEqual([]);
      });
    },
    E2E_SETUP_TIMEOUT_MS,
  );

  test(
    'a connection cut halfway through an answer keeps the partial text and says it was interrupted',
    async () => {
      await withPage(env.browser, 'answer-interrupted', async (page) => {
        await page.goto(`${env.frontend.url}/`);
        env.link.setEventDelay(150);

        await ask(page, 'How does Fargate run containers on ECS?');
        await lastAnswer(page).locator('.answer p:not(.pending)').first().waitFor();
        env.link.cutConnections();
        const partial = await settledAnswer(page, 'failed');

        expect(partial.length).toBeGreaterThan(0);
        await expect(lastAnswer(page).locator('[role="alert"]').textContent()).resolves.toMatch(
          /^The answer was interrupted before it finished\./,
        );
        expect(await lastAnswer(page).locator('details.sources').count()).toBe(1);
        expect(await page.locator('#stop').isHidden()).toBe(true);
      });
    },
    E2E_TEST_TIMEOUT_MS,
  );
});
