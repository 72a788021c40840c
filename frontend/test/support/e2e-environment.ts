import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium';
import { type RunningFrontend, startFrontend } from './frontend-server';
import { type RealBackend, startRealBackend } from './real-backend';
import { type SlowLink, startSlowLink } from './slow-link';

/** Seeding the embedded database on a busy two-core machine takes a while. */
export const E2E_SETUP_TIMEOUT_MS = 240_000;
export const E2E_TEST_TIMEOUT_MS = 60_000;

export interface E2eEnvironment {
  readonly backend: RealBackend;
  readonly frontend: RunningFrontend;
  readonly browser: Browser;
  /** Between frontend and backend; passes bytes straight through until a test slows it down. */
  readonly link: SlowLink;
  close(): Promise<void>;
}

/** The real backend, the frontend proxying to it (with the real browser bundle), and one Chromium per test file. */
export async function startE2eEnvironment(
  options: { basePath?: string; localMode?: boolean } = {},
): Promise<E2eEnvironment> {
  const [backend, browser] = await Promise.all([
    startRealBackend(options.localMode === undefined ? {} : { localMode: options.localMode }),
    launchChromium(),
  ]);
  const link = await startSlowLink(backend.port);
  const frontend = await startFrontend({
    backendUrl: link.url,
    basePath: options.basePath ?? '',
    proxyTimeoutMs: 10_000,
  });
  return {
    backend,
    frontend,
    browser,
    link,
    close: async () => {
      await browser.close();
      await frontend.close();
      await link.close();
      await backend.dispose();
    },
  };
}
