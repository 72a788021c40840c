import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { infraPath } from '../src/paths';

const run = promisify(execFile);

// No credentials and no profile: the CLI must not need AWS to synthesize.
function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('AWS_') || key.startsWith('CDK_')) delete env[key];
  }
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

describe('cdk synth of every stack (the real CLI, offline, no credentials)', () => {
  const out = mkdtempSync(join(tmpdir(), 'ragchat-cdk-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes templates for dev, staging and prod, and the preview of a PR given in context', async () => {
    const { stderr } = await run('npx', ['cdk', 'synth', '--quiet', '--output', out, '-c', 'pr=42'], {
      cwd: infraPath(),
      env: offlineEnv(),
      timeout: 280_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    for (const stack of [
      'ragchat-shared',
      'ragchat-dev',
      'ragchat-staging',
      'ragchat-prod',
      'ragchat-pr-42',
    ]) {
      const file = join(out, `${stack}.template.json`);
      expect(existsSync(file)).toBe(true);
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).Resources).length).toBeGreaterThan(5);
    }
    // The CLI ignores options it does not know with only this warning (it once ignored --all).
    expect(stderr).not.toContain('Unknown option');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.missing ?? []).toEqual([]);
  }, 300_000);
});
