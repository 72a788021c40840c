import type { Page, Request } from 'playwright-core';

/** What the page sent to `/api/query`, read from the browser's own requests. */
export interface SentQuery {
  readonly query: string;
  readonly conversationId: string;
  readonly regenerate?: boolean;
  /** Never sent by the page: the backend keeps the conversation's history. */
  readonly history?: unknown;
}

export function recordQueries(page: Page): SentQuery[] {
  const sent: SentQuery[] = [];
  page.on('request', (request: Request) => {
    if (request.method() === 'POST' && request.url().endsWith('/api/query'))
      sent.push(request.postDataJSON());
  });
  return sent;
}

/** Types into the question box and presses Enter, as a person would. */
export async function ask(page: Page, question: string): Promise<void> {
  await page.locator('#question').click();
  await page.keyboard.type(question);
  await page.keyboard.press('Enter');
}

export function lastAnswer(page: Page) {
  return page.locator('.turn-assistant').last();
}

/** Waits until the latest answer settled in the given state and returns its text. */
export async function settledAnswer(
  page: Page,
  state: 'complete' | 'stopped' | 'failed' = 'complete',
): Promise<string> {
  const answer = lastAnswer(page);
  await answer.and(page.locator(`[data-state="${state}"]`)).waitFor();
  return (await answer.locator('.answer').textContent()) ?? '';
}
