import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadStaticAssets, MissingBundleError } from '../../src/server/static-assets';

function bundleDir(files: Record<string, string>): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'ragchat-assets-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(directory, name), content);
  return directory;
}

const COMPLETE = {
  'index.html': '<base-path value="{{basePath}}"><script src="{{asset:app.js}}"></script>',
  'app.js': 'console.log(1)',
  'app.css': 'body{}',
  'favicon.svg': '<svg/>',
};

describe('loadStaticAssets', () => {
  test('fills the page template with the base path and content-hashed asset URLs', () => {
    const assets = loadStaticAssets(bundleDir(COMPLETE), '/pr-7');
    const page = assets.page.body.toString('utf8');
    const script = assets.files.get('app.js');

    expect(page).toMatch(
      /^<base-path value="\/pr-7"><script src="\/pr-7\/assets\/app\.js\?v=[\w-]{12}"><\/script>$/,
    );
    expect(page).toContain(`?v=${script?.etag.slice(1, 13)}`);
    expect(gunzipSync(script?.gzip ?? Buffer.alloc(0)).toString('utf8')).toBe('console.log(1)');
    expect([...assets.files.keys()]).toEqual(['app.js', 'app.css', 'favicon.svg']);
  });

  test('changes an asset URL when its content changes', () => {
    const before = loadStaticAssets(bundleDir(COMPLETE), '').page.body.toString('utf8');
    const after = loadStaticAssets(
      bundleDir({ ...COMPLETE, 'app.js': 'console.log(2)' }),
      '',
    ).page.body.toString('utf8');

    expect(after).not.toBe(before);
  });

  test('names the missing file when the bundle was not built', () => {
    const { 'app.css': _omitted, ...withoutCss } = COMPLETE;
    const load = () => loadStaticAssets(bundleDir(withoutCss), '');

    expect(load).toThrow(MissingBundleError);
    expect(load).toThrow(/app\.css is missing: run `npm run build -w frontend` first/);
  });

  test('refuses a page template that names an unknown asset', () => {
    const load = () => loadStaticAssets(bundleDir({ ...COMPLETE, 'index.html': '{{asset:evil.js}}' }), '');

    expect(load).toThrow('index.html names an unknown asset: {{asset:evil.js}}');
  });
});
