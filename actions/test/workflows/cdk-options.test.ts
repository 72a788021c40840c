import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadWorkflows, REPO_ROOT, runScriptsOf } from './workflow-files';

// The pinned CLI warns "Unknown option(s): ... These will be ignored" and carries on, so a
// misspelt or removed option silently changes what a workflow does. Ask the installed CLI itself.
const helpCache = new Map<string, string>();
function helpOf(subcommand: string): string {
  let help = helpCache.get(subcommand);
  if (help === undefined) {
    help = execFileSync('npx', ['cdk', subcommand, '--help'], {
      cwd: join(REPO_ROOT, 'infra'),
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    });
    helpCache.set(subcommand, help);
  }
  return help;
}

function cdkCommands(): { location: string; subcommand: string; options: string[] }[] {
  return loadWorkflows().flatMap((file) =>
    runScriptsOf(file).flatMap(({ location, script }) =>
      [...script.replace(/\\\n/g, ' ').matchAll(/npx cdk ([a-z]+)([^\n|;&>]*)/g)].map((match) => ({
        location,
        subcommand: match[1] ?? '',
        options: [...(match[2] ?? '').matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((option) => option[1] ?? ''),
      })),
    ),
  );
}

describe('cdk commands in the workflows', () => {
  it('finds the synth, diff and deploy commands', () => {
    expect(new Set(cdkCommands().map((command) => command.subcommand))).toEqual(
      new Set(['synth', 'diff', 'deploy', 'destroy']),
    );
  });

  it('pass only options the pinned CLI knows', () => {
    const unknown = cdkCommands().flatMap(({ location, subcommand, options }) =>
      options
        .filter((option) => !new RegExp(`^\\s+${option}\\b`, 'm').test(helpOf(subcommand)))
        .map((option) => `${location}: cdk ${subcommand} ${option}`),
    );
    expect(unknown).toEqual([]);
  }, 120_000);
});
