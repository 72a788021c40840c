import type { Browser } from 'playwright-core';
import { startFrontend } from '../test/support/frontend-server';
import { startRealBackend } from '../test/support/real-backend';
import { startBackendTap } from './backend-tap';
import { summarize } from './percentiles';

const QUESTIONS = [
  'How does Fargate run containers on ECS?',
  'What is retrieval-augmented generation?',
  'How does an HNSW index speed up vector search?',
  'How do blue/green deployments work with CodeDeploy?',
  'How should secrets reach a container task?',
  'What is reciprocal rank fusion?',
  'How are documents chunked before embedding?',
  'How does GitHub Actions deploy with OIDC?',
];

/** Letters and digits only, so markdown syntax and whitespace do not skew the comparison. */
function normalizedLength(text: string): number {
  return text.replace(/[^\p{L}\p{N}]/gu, '').length;
}

/**
 * The real backend in local mode, tapped where its bytes leave it: for each token, the delay
 * from the tap seeing it to the first rendered frame whose answer text is long enough to hold it.
 * The local answerer writes a whole answer within a millisecond or two, so this is the delay of
 * one burst through proxy, parser and renderer.
 */
export async function measureLocalBackendPaint(browser: Browser) {
  const backend = await startRealBackend();
  const tap = await startBackendTap(backend.port);
  const frontend = await startFrontend({ backendUrl: tap.url, proxyTimeoutMs: 30_000 });
  const context = await browser.newContext();
  const page = await context.newPage();
  const delays: number[] = [];
  const firstTokenToPaint: number[] = [];
  try {
    await page.addInitScript(() => {
      const frames: [number, string][] = [];
      Object.assign(window, { __frames: frames });
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const answer = document.querySelector('.turn-assistant:last-child .answer');
        // The "Searching…" placeholder is not answer text.
        const text =
          answer === null || answer.querySelector('.pending') !== null ? '' : (answer.textContent ?? '');
        frames.push([performance.timeOrigin + performance.now(), text]);
      };
      new MutationObserver(() => channel.port2.postMessage(null)).observe(document, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.goto(`${frontend.url}/`);
    // One unmeasured warm-up answer: the first render pays for compiling the page's code.
    for (const [round, question] of [QUESTIONS[0] ?? '', ...QUESTIONS].entries()) {
      await page.evaluate(() => (Reflect.get(window, '__frames') as unknown[]).splice(0));
      await page.locator('#question').fill(question);
      await page.keyboard.press('Enter');
      await page.locator('.turn-assistant:last-child[data-state]').waitFor();
      const frames: [number, string][] = await page.evaluate(() => Reflect.get(window, '__frames'));
      if (round === 0) continue;
      let prefix = '';
      tap.tokens().forEach((token, index) => {
        prefix += token.text;
        const needed = normalizedLength(prefix);
        const painted = frames.find(([, text]) => normalizedLength(text) >= needed)?.[0];
        if (painted === undefined) return;
        delays.push(painted - token.at);
        if (index === 0) firstTokenToPaint.push(painted - token.at);
      });
    }
    return {
      perToken: summarize(delays),
      firstToken: summarize(firstTokenToPaint),
      questions: QUESTIONS.length,
    };
  } finally {
    await context.close();
    await frontend.close();
    await tap.close();
    await backend.dispose();
  }
}
