import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { browserBundleDir } from '../support/browser-bundle';

/** The built browser code, as shipped: within budget, and free of every HTML-parsing sink. */
const bundle = readFileSync(path.join(browserBundleDir(), 'app.js'), 'utf8');

describe('browser bundle', () => {
  test('stays within 100 KB of gzipped JavaScript', () => {
    expect(gzipSync(bundle, { level: 9 }).length).toBeLessThanOrEqual(100 * 1024);
  });

  test.each([
    'innerHTML',
    'outerHTML',
    'insertAdjacentHTML',
    'document.write',
    'DOMParser',
    'eval(',
    'new Function',
  ])('never uses %s', (sink) => {
    expect(bundle).not.toContain(sink);
  });

  test('does build its text through text nodes', () => {
    expect(bundle).toContain('createTextNode');
    expect(bundle).toContain('textContent');
  });
});
