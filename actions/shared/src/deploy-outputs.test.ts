import { parseDeployOutputs, serviceOutputs } from './deploy-outputs';
import { deployOutputsDocument } from './testing/fixtures';

/** The document with the value at `path` replaced (undefined removes the field). */
const withValue = (path: readonly string[], value: unknown): string => {
  const document: Record<string, unknown> = deployOutputsDocument();
  let parent = document;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  parent[path.at(-1) ?? ''] = value;
  return JSON.stringify(document);
};

describe('parseDeployOutputs', () => {
  it('accepts the contract document and keeps fields beyond it', () => {
    const outputs = parseDeployOutputs(
      JSON.stringify({ ...deployOutputsDocument(), addedLater: 'x' }),
      'file',
    );
    expect(outputs.services.backend?.containerPort).toBe(8000);
    expect(outputs.publicEcrMirror).toBe(deployOutputsDocument().publicEcrMirror);
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
    [['secrets'], [], "field 'secrets' is missing or not an object"],
  ])('names the bad field %j and the parameter', (path, value, message) => {
    expect(() => parseDeployOutputs(withValue(path, value), '/ragchat/staging/deploy-outputs')).toThrow(
      `Deploy outputs /ragchat/staging/deploy-outputs: ${message}`,
    );
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseDeployOutputs('{', 'file.json')).toThrow('Deploy outputs file.json are not valid JSON');
  });

  it('names the services that exist when one is missing', () => {
    const outputs = parseDeployOutputs(JSON.stringify(deployOutputsDocument()), 'file');
    expect(() => serviceOutputs(outputs, 'worker')).toThrow(
      "Deploy outputs of staging have no service 'worker' (services: backend, frontend)",
    );
  });
});
