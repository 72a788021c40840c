import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FRONTEND_DIR, REPOSITORY_ROOT } from '../support/paths';

/**
 * The frontend image ships the backend's compiled service kit without the backend's dependencies
 * (frontend/Dockerfile), so the frontend must declare every package the kit imports, at the
 * backend's own version range.
 */
const KIT_DIR = path.join(REPOSITORY_ROOT, 'backend', 'src', 'service-kit');

function dependencies(workspace: string): Readonly<Record<string, string>> {
  const manifest = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, workspace, 'package.json'), 'utf8'));
  return manifest.dependencies ?? {};
}

/** `pino` of 'pino', `@opentelemetry/api` of '@opentelemetry/api/x', nothing of relative or node: imports. */
function packagesImportedByKit(): string[] {
  const packages = new Set<string>();
  for (const file of readdirSync(KIT_DIR).filter(
    (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'),
  )) {
    const source = readFileSync(path.join(KIT_DIR, file), 'utf8');
    for (const [, specifier] of source.matchAll(/(?:from|require\()\s*'([^'.][^']*)'/g)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      const parts = specifier.split('/');
      packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
    }
  }
  return [...packages].sort();
}

describe('the service kit in the frontend image', () => {
  it('finds the packages the kit imports', () => {
    expect(packagesImportedByKit()).toEqual(expect.arrayContaining(['aws-jwt-verify', 'pino']));
  });

  it('has every package the kit imports declared by the frontend at the backend version', () => {
    const backend = dependencies('backend');
    const frontend = dependencies(path.relative(REPOSITORY_ROOT, FRONTEND_DIR));
    const mismatched = packagesImportedByKit()
      .map((name) => ({ name, backend: backend[name], frontend: frontend[name] }))
      .filter((entry) => entry.backend === undefined || entry.frontend !== entry.backend);
    expect(mismatched).toEqual([]);
  });
});
