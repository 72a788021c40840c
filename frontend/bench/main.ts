import os from 'node:os';
import { browserBundleDir } from '../test/support/browser-bundle';
import { launchChromium } from '../test/support/chromium';
import { measureBundle } from './bundle-size';
import { measureLocalBackendPaint } from './local-backend-paint';
import { measurePageLoad } from './page-load';
import { ms } from './percentiles';
import { measureTokenPaint } from './token-paint';

/** `npm run bench -w frontend`: prints the figures recorded in frontend/BENCHMARKS.md. */
const JS_BUDGET_GZIP_BYTES = 100 * 1024;
const TOKEN_PAINT_TARGET_P95_MS = 50;

async function main(): Promise<void> {
  console.log(`# frontend benchmark, ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );

  const bundle = measureBundle(browserBundleDir());
  console.log('\n## shipped files (bytes)');
  for (const entry of bundle) {
    console.log(
      `${entry.file.padEnd(11)} raw ${entry.rawBytes}  gzip ${entry.gzipBytes}  brotli ${entry.brotliBytes}`,
    );
  }
  const jsGzip = bundle.find((entry) => entry.file === 'app.js')?.gzipBytes ?? Number.NaN;
  console.log(
    `JS gzipped: ${jsGzip} B of the ${JS_BUDGET_GZIP_BYTES} B budget → ${jsGzip <= JS_BUDGET_GZIP_BYTES ? 'OK' : 'OVER BUDGET'}`,
  );

  const browser = await launchChromium();
  try {
    console.log(`\n## token → paint (${await browser.version()})`);
    for (const intervalMs of [25, 5]) {
      const result = await measureTokenPaint(browser, { tokens: 300, intervalMs });
      console.log(
        `timestamped source, one token every ${intervalMs} ms: p50 ${ms(result.p50)}  p95 ${ms(result.p95)}  max ${ms(result.max)}  (n=${result.n}, missing ${result.missing}) → ${result.p95 <= TOKEN_PAINT_TARGET_P95_MS ? 'OK' : 'OVER TARGET'} (p95 ≤ ${TOKEN_PAINT_TARGET_P95_MS} ms)`,
      );
    }

    const local = await measureLocalBackendPaint(browser);
    console.log(
      `real backend, local mode (${local.questions} questions, ${local.perToken.n} tokens): token leaves backend → painted p50 ${ms(local.perToken.p50)}  p95 ${ms(local.perToken.p95)}  max ${ms(local.perToken.max)}; first token p50 ${ms(local.firstToken.p50)} → ${local.perToken.p95 <= TOKEN_PAINT_TARGET_P95_MS ? 'OK' : 'OVER TARGET'}`,
    );

    const load = await measurePageLoad(browser, 10);
    console.log('\n## page load (10 runs each, p50 / p95)');
    for (const [name, figures] of Object.entries(load)) {
      console.log(
        `${name.padEnd(6)} visit: load ${ms(figures.load.p50)} / ${ms(figures.load.p95)}  DOMContentLoaded ${ms(figures.domContentLoaded.p50)} / ${ms(figures.domContentLoaded.p95)}  transferred ${figures.transferredBytes.p50} B`,
      );
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
