import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './config';
import { openApiDocument } from './http/openapi';
import { ERROR_CODES } from './service-kit/error-codes';

/** The backticked codes in the README's "Errors" table. */
function readmeCodes(): string[] {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## Observability'));
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  return [...rows.join('\n').matchAll(/`([a-z]+(?:_[a-z]+)+|[a-z]+)`/g)].map((match) => match[1] ?? '');
}

describe('ERROR_CODES', () => {
  it('is the list the README documents, no more and no less', () => {
    const documented = new Set(readmeCodes());
    expect([...documented].sort()).toEqual([...new Set(ERROR_CODES)].sort());
  });

  it('is the enum of the OpenAPI Error schema', () => {
    const document = openApiDocument(loadConfig({ ADMIN_TOKEN: 'error-codes-admin-token' }).limits);
    const error = document.components?.schemas?.Error as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };
    expect(error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
  });

  it('has no duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});
