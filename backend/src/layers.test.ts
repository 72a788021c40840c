import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The pipeline's layers point one way: the shared types sit at the bottom, the data and retrieval
 * layers below the answer flow, and nothing low reaches up into the answer flow or HTTP.
 */
const SOURCE = __dirname;
const UPPER = ['rag', 'conversations', 'http', 'cli', 'seed', 'app.ts', 'main.ts'];
const RULES: Readonly<Record<string, readonly string[]>> = {
  pipeline: [...UPPER, 'db', 'retrieval', 'ingest', 'providers', 'config.ts', 'observability'],
  db: [...UPPER, 'retrieval', 'ingest', 'providers'],
  retrieval: [...UPPER, 'ingest', 'providers'],
  ingest: [...UPPER, 'providers'],
};

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level folder or file under src/ that each relative import of `file` lands in. */
function importedAreas(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((match) => {
    const target = relative(SOURCE, resolve(dirname(file), match[1] ?? ''));
    const top = target.split('/')[0] ?? '';
    return target.includes('/') ? top : `${top}.ts`;
  });
}

test.each(Object.entries(RULES))('%s/ imports nothing from the layers above it', (area, forbidden) => {
  const violations = sourceFiles(join(SOURCE, area)).flatMap((file) =>
    importedAreas(file)
      .filter((imported) => forbidden.includes(imported))
      .map((imported) => `${relative(SOURCE, file)} -> ${imported}`),
  );
  expect(violations).toEqual([]);
});
