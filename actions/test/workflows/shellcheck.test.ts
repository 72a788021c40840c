// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not JS templates
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadCompositeActions,
  loadWorkflows,
  type RunScript,
  runScriptsOf,
  SCRIPTS_DIR,
} from './workflow-files';

/**
 * `run:` scripts run as `bash --noprofile --norc -eo pipefail {0}`; shellcheck sees them the same way.
 * Expressions are replaced by a plain word so that shellcheck judges the shell around them.
 */
function asRunnerScript(script: string): string {
  return `#!/usr/bin/env bash\nset -eo pipefail\n${script.replace(/\$\{\{[\s\S]*?\}\}/g, '__GHA_EXPRESSION__')}`;
}

function shellcheck(source: string): string[] {
  const result = spawnSync('shellcheck', ['--format=gcc', '--shell=bash', '-'], {
    input: source,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status !== 0 && result.stdout === '') throw new Error(`shellcheck failed: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line !== '');
}

const runScripts: RunScript[] = [...loadWorkflows(), ...loadCompositeActions()].flatMap(runScriptsOf);
const scriptFiles = readdirSync(SCRIPTS_DIR).filter((name) => name.endsWith('.sh'));

describe('shellcheck', () => {
  it('has scripts to check', () => {
    expect(runScripts.length).toBeGreaterThan(10);
    expect(scriptFiles).toEqual(
      expect.arrayContaining(['smoke-test.sh', 'delete-pr-images.sh', 'resolve-rollback-target.sh']),
    );
  });

  it.each(runScripts.map((run) => [run.location, run] as const))('passes: %s', (_location, run) => {
    expect(shellcheck(asRunnerScript(run.script))).toEqual([]);
  });

  it.each(scriptFiles)('passes: .github/scripts/%s', (name) => {
    expect(shellcheck(readFileSync(join(SCRIPTS_DIR, name), 'utf8'))).toEqual([]);
  });

  it('flags unquoted expansions and replaces expressions before checking', () => {
    const findings = shellcheck(asRunnerScript('echo $HEAD_REF\ncd "${{ github.workspace }}"'));
    expect(findings).toEqual([expect.stringContaining('SC2086')]);
    expect(findings[0]).toMatch(/^-:3:/);
  });
});
