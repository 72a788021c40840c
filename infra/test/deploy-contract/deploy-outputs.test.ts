import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDeployOutputs } from '../../src/deploy-contract';
import { infraPath } from '../../src/paths';

/** The example document of docs/deploy-contract.md: the parser must accept what the contract shows. */
function documentedExample(): Record<string, unknown> {
  const text = readFileSync(join(infraPath(), '..', 'docs', 'deploy-contract.md'), 'utf8');
  const example = /## Deploy outputs[\s\S]*?```json\n([\s\S]*?)```/.exec(text)?.[1];
  if (example === undefined) throw new Error('docs/deploy-contract.md has no deploy outputs example');
  return JSON.parse(example);
}

/** The example with the value at `path` replaced (undefined removes the field). */
const withValue = (path: readonly string[], value: unknown): string => {
  const document = documentedExample();
  let parent = document;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  parent[path.at(-1) ?? ''] = value;
  return JSON.stringify(document);
};

describe('parseDeployOutputs', () => {
  it('accepts the documented example and keeps fields beyond the contract', () => {
    const outputs = parseDeployOutputs(JSON.stringify({ ...documentedExample(), addedLater: 'x' }), 'file');
    expect(outputs.services.backend?.containerPort).toBe(8000);
    expect(outputs.services.frontend?.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE', weight: 1 },
    ]);
    expect(outputs.secrets.adminTokenSecretArn).toMatch(/^arn:aws:secretsmanager:/);
    expect((outputs as unknown as Record<string, unknown>).addedLater).toBe('x');
  });

  it.each([
    [['schemaVersion'], 2, "field 'schemaVersion' is missing or not the number 1"],
    [['region'], undefined, "field 'region' is missing or not a non-empty string"],
    [['publicEcrMirror'], '', "field 'publicEcrMirror' is missing or not a non-empty string"],
    [
      ['services', 'frontend', 'containerPort'],
      '3000',
      "field 'services.frontend.containerPort' is missing or not a port",
    ],
    [
      ['services', 'backend', 'environment', 'LOG_LEVEL'],
      3,
      "field 'services.backend.environment.LOG_LEVEL'",
    ],
    [
      ['services', 'backend', 'capacityProviderStrategy'],
      [],
      "field 'services.backend.capacityProviderStrategy' is missing or not a non-empty list",
    ],
    [['secrets'], [], "field 'secrets' is missing or not an object"],
    [
      ['secrets', 'databaseSecretArn'],
      undefined,
      "field 'secrets.databaseSecretArn' is missing or not a non-empty string",
    ],
  ])('names the bad field %j and the parameter', (path, value, message) => {
    expect(() => parseDeployOutputs(withValue(path, value), '/ragchat/staging/deploy-outputs')).toThrow(
      `Deploy outputs /ragchat/staging/deploy-outputs: ${message}`,
    );
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseDeployOutputs('{', 'file.json')).toThrow('Deploy outputs file.json are not valid JSON');
  });
});
