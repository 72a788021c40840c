import type { Browser, Page } from 'playwright-core';
import { startFakeBackend } from '../test/support/fake-backend';
import { startFrontend } from '../test/support/frontend-server';
import { summarize } from './percentiles';

interface Visit {
  readonly loadMs: number;
  readonly domContentLoadedMs: number;
  readonly transferredBytes: number;
}

/** Navigation and resource timing of the page, as the browser saw it. */
async function visit(page: Page, url: string): Promise<Visit> {
  await page.goto(url, { waitUntil: 'load' });
  await page.locator('#stats .mode-badge').waitFor();
  return page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    return {
      loadMs: navigation?.loadEventEnd ?? Number.NaN,
      domContentLoadedMs: navigation?.domContentLoadedEventEnd ?? Number.NaN,
      transferredBytes: [navigation, ...resources].reduce(
        (sum, entry) => sum + (entry?.transferSize ?? 0),
        0,
      ),
    };
  });
}

/** First visits (empty cache) and repeat visits (immutable assets cached), `runs` of each. */
export async function measurePageLoad(browser: Browser, runs: number) {
  const backend = await startFakeBackend();
  const frontend = await startFrontend({ backendUrl: backend.url });
  const first: Visit[] = [];
  const repeat: Visit[] = [];
  try {
    for (let run = 0; run < runs; run += 1) {
      const context = await browser.newContext();
      const page = await context.newPage();
      first.push(await visit(page, `${frontend.url}/`));
      repeat.push(await visit(page, `${frontend.url}/`));
      await context.close();
    }
  } finally {
    await frontend.close();
    await backend.close();
  }
  const describe = (visits: Visit[]) => ({
    load: summarize(visits.map((entry) => entry.loadMs)),
    domContentLoaded: summarize(visits.map((entry) => entry.domContentLoadedMs)),
    transferredBytes: summarize(visits.map((entry) => entry.transferredBytes)),
  });
  return { first: describe(first), repeat: describe(repeat) };
}
