import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The committed bundles are what the runner executes: they must be exactly what the sources build. */
const ACTIONS_ROOT = join(__dirname, '..', '..');
const ACTIONS = ['build-push-image', 'wait-for-ecr-scan', 'render-deployment', 'codedeploy-deploy'];
jest.setTimeout(120_000);

describe('check-dist', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'check-dist-'));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  beforeAll(() => {
    execFileSync(process.execPath, [join(ACTIONS_ROOT, 'scripts', 'build.mjs'), '--outdir', fresh], {
      stdio: 'pipe',
    });
  });

  it.each(ACTIONS)(
    '%s/dist matches a fresh build (run `npm run build -w actions` and commit dist)',
    (action) => {
      const built = readdirSync(join(fresh, action, 'dist')).sort();
      expect(built).toContain('index.js');
      const committedDir = join(ACTIONS_ROOT, action, 'dist');
      expect(existsSync(committedDir) ? readdirSync(committedDir).sort() : []).toEqual(built);
      for (const file of built) {
        const same = readFileSync(join(committedDir, file)).equals(
          readFileSync(join(fresh, action, 'dist', file)),
        );
        if (!same)
          throw new Error(`${action}/dist/${file} is stale: run \`npm run build -w actions\` and commit it`);
      }
    },
  );

  it('every action.yml points at a bundle that exists', () => {
    for (const action of ACTIONS) {
      const yml = readFileSync(join(ACTIONS_ROOT, action, 'action.yml'), 'utf8');
      expect(yml).toMatch(/using: node24/);
      for (const [, file] of yml.matchAll(/^\s+(?:main|post): (\S+)$/gm)) {
        expect(existsSync(join(ACTIONS_ROOT, action, file ?? ''))).toBe(true);
      }
    }
  });
});
