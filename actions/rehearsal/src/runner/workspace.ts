import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { buildPath } from '../vendor/load';

/** The repository's tracked files (what a checkout of the commit would contain). */
export function trackedFiles(repoRoot: string): string[] {
  return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  })
    .toString('utf8')
    .split('\0')
    .filter((file) => file !== '' && !/(^|\/)node_modules(\/|$)/.test(file))
    .filter((file) => lstatSync(join(repoRoot, file), { throwIfNoEntry: false })?.isFile() ?? false);
}

/**
 * Materializes a checkout in `dir`: the tracked files copied (so a scenario can change one), the
 * installed node_modules linked (the `npm ci` stand-in then has nothing to do).
 */
export function checkout(
  repoRoot: string,
  dir: string,
  files: readonly string[],
  overrides: Readonly<Record<string, string>>,
  sparse: readonly string[] = [],
): void {
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    if (
      sparse.length > 0 &&
      !sparse.some((path) => file === path || file.startsWith(`${path.replace(/\/$/, '')}/`)) &&
      file.includes('/')
    )
      continue;
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    if (overrides[file] !== undefined) writeFileSync(target, overrides[file] ?? '');
    else if (existsSync(join(repoRoot, file))) copyFileSync(join(repoRoot, file), target);
  }
  for (const workspace of ['', 'backend', 'frontend', 'infra', 'actions']) {
    const modules = join(repoRoot, workspace, 'node_modules');
    if (existsSync(modules) && existsSync(join(dir, workspace)))
      symlinkSync(modules, join(dir, workspace, 'node_modules'));
  }
}

/**
 * Tool stand-ins put first on every step's PATH; each is documented in docs/rehearsal-model.md.
 * `awsCli` is the command line that runs the real aws CLI (AwsCliServer.command).
 */
export function writeShims(dir: string, awsCli: string): void {
  mkdirSync(dir, { recursive: true });
  const node = process.execPath;
  const standIn = buildPath('stand-in.cjs');
  const shims: Record<string, string> = {
    sleep: `exec "${node}" "${buildPath('clock-cli.cjs')}" "$@"`,
    docker: `exec "${node}" "${standIn}" tool docker "$@"`,
    npm: `exec "${node}" "${standIn}" tool npm "$@"`,
    npx: `exec "${node}" "${standIn}" tool npx "$@"`,
    // Debian's awscli 2.9 predates AWS_ENDPOINT_URL, so the endpoint is passed on the command line.
    aws: `exec ${awsCli} --endpoint-url "\${REHEARSAL_AWS_ENDPOINT:?}" "$@"`,
  };
  for (const [name, body] of Object.entries(shims)) {
    const path = join(dir, name);
    writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(path, 0o755);
  }
}
