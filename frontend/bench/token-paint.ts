import type { Browser } from 'playwright-core';
import {
  FAKE_SOURCES,
  startEventStream,
  startFakeBackend,
  writeSseEvent,
} from '../test/support/fake-backend';
import { startFrontend } from '../test/support/frontend-server';
import { summarize } from './percentiles';

export interface TokenPaintOptions {
  readonly tokens: number;
  readonly intervalMs: number;
}

/**
 * Delay from "the token source wrote a token" to "the browser painted it", through the real
 * frontend proxy and page. The source stamps each write with the wall clock (Node and Chromium
 * share it on one machine); the page records the moment after the frame that first showed the
 * token's marker was rendered: a message posted from the MutationObserver runs after that frame's
 * paint step.
 */
export async function measureTokenPaint(browser: Browser, options: TokenPaintOptions) {
  const emittedAt = new Map<number, number>();
  const backend = await startFakeBackend();
  backend.onQuery(async (_request, response) => {
    startEventStream(response);
    writeSseEvent(response, 'sources', { sources: FAKE_SOURCES, mode: 'local', model: 'bench' });
    for (let index = 0; index < options.tokens; index += 1) {
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
      emittedAt.set(index, performance.timeOrigin + performance.now());
      writeSseEvent(response, 'token', { text: `t${index} ` });
    }
    writeSseEvent(response, 'done', { answer: '', timings: {} });
    response.end();
  });
  const frontend = await startFrontend({ backendUrl: backend.url, proxyTimeoutMs: 30_000 });
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.addInitScript(() => {
      const paintedAt: Record<number, number> = {};
      Object.assign(window, { __paintedAt: paintedAt });
      const channel = new MessageChannel();
      let pending: number[] = [];
      channel.port1.onmessage = () => {
        const now = performance.timeOrigin + performance.now();
        for (const index of pending) paintedAt[index] = now;
        pending = [];
      };
      new MutationObserver(() => {
        const text = document.querySelector('.turn-assistant:last-child .answer')?.textContent ?? '';
        for (const match of text.matchAll(/t(\d+)\b/g)) {
          const index = Number(match[1]);
          if (paintedAt[index] === undefined && !pending.includes(index)) pending.push(index);
        }
        if (pending.length > 0) channel.port2.postMessage(null);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(`${frontend.url}/`);
    await page.locator('#question').fill('benchmark');
    await page.keyboard.press('Enter');
    await page.locator('.turn-assistant[data-state="complete"]').waitFor({ timeout: 120_000 });
    const paintedAt: Record<string, number> = await page.evaluate(() => Reflect.get(window, '__paintedAt'));
    const delays = [...emittedAt].flatMap(([index, emitted]) => {
      const painted = paintedAt[String(index)];
      return painted === undefined ? [] : [painted - emitted];
    });
    return { ...summarize(delays), missing: options.tokens - delays.length };
  } finally {
    await context.close();
    await frontend.close();
    await backend.close();
  }
}
