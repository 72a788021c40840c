import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { FRONTEND_DIR } from './paths';

/** Debian's Chromium; tests never download a browser. */
const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SCREENSHOT_DIR = path.join(FRONTEND_DIR, 'test-results');

/** Playwright gives every launch a fresh temporary profile directory of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface PageOptions {
  readonly colorScheme?: 'light' | 'dark';
  readonly viewport?: { readonly width: number; readonly height: number };
}

/** What a page did that a safe page must not: dialogs and uncaught errors are recorded, not ignored. */
export interface PageWatch {
  readonly dialogs: string[];
  readonly pageErrors: string[];
  readonly consoleErrors: string[];
}

/**
 * Runs `body` in a fresh context and page; on failure saves a full-page screenshot to
 * `frontend/test-results/` before rethrowing, so the failure can be looked at afterwards.
 */
export async function withPage(
  browser: Browser,
  name: string,
  body: (page: Page, watch: PageWatch) => Promise<void>,
  options: PageOptions = {},
): Promise<void> {
  const context: BrowserContext = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ? { ...options.viewport } : { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const watch: PageWatch = { dialogs: [], pageErrors: [], consoleErrors: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  try {
    await body(page, watch);
  } catch (error) {
    await saveScreenshot(page, name);
    throw error;
  } finally {
    await context.close();
  }
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  return file;
}
