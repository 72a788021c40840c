import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as GitHubActions from './github-actions';

export type GitHubActionsModule = typeof GitHubActions;

export const BUILD_DIR = join(__dirname, '..', '..', 'build');

/** Where the CLI bundle lives, the build directory is its own directory. */
function buildDir(): string {
  return __filename.endsWith('.cjs') ? __dirname : BUILD_DIR;
}

export function buildPath(file: string): string {
  return join(buildDir(), file);
}

let loaded: GitHubActionsModule | undefined;

/** The bundled @actions/workflow-parser and @actions/expressions (run `node actions/rehearsal/build.mjs` first). */
export function githubActions(): GitHubActionsModule {
  if (loaded) return loaded;
  const file = buildPath('github-actions.cjs');
  if (!existsSync(file)) throw new Error(`${file} is missing: run node actions/rehearsal/build.mjs`);
  loaded = require(file) as GitHubActionsModule;
  return loaded;
}
