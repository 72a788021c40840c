import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findInfraRoot(start: string): string {
  let dir = start;
  // The same code runs from src/ (jest) and from dist/ (cdk), so locate the package by its cdk.json.
  while (!existsSync(join(dir, 'cdk.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No cdk.json above ${start}`);
    dir = parent;
  }
  return dir;
}

const infraRoot = findInfraRoot(__dirname);

/** Absolute path of a file or folder inside the infra package. */
export function infraPath(...segments: string[]): string {
  return join(infraRoot, ...segments);
}
