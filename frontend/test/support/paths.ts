import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The frontend workspace directory, found by walking up to its package.json, so the helpers work
 * both from their source folder (jest) and from a bundled copy elsewhere (the benchmark).
 */
function findFrontendDir(start: string): string {
  for (let directory = start; ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes('"name": "@ragchat/frontend"')) {
      return directory;
    }
    if (path.dirname(directory) === directory) throw new Error(`No frontend workspace above ${start}`);
  }
}

export const FRONTEND_DIR = findFrontendDir(__dirname);
export const REPOSITORY_ROOT = path.dirname(FRONTEND_DIR);
