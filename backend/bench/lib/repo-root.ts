import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root (the directory holding `.ci/provision.sh`), found from the working directory:
 * npm runs the script in the backend workspace, a developer may run the bundle from anywhere inside.
 */
export function findRepoRoot(from: string = process.cwd()): string {
  if (existsSync(join(from, '.ci', 'provision.sh'))) return from;
  const parent = dirname(from);
  if (parent === from)
    throw new Error('Could not find the repository root (.ci/provision.sh) above the working directory');
  return findRepoRoot(parent);
}
