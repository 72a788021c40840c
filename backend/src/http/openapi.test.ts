import { loadConfig } from '../config';
import type { Database } from '../db/database';
import { createLocalProviders } from '../providers/local';
import { type OpenApiDocument, openApiDocument } from './openapi';
import { createRouter } from './router';

const config = loadConfig({ ADMIN_TOKEN: 'openapi-test-admin-token' });

/** Routes are only registered here, never executed, so the database is never touched. */
const unusedDatabase: Database = {
  kind: 'embedded',
  get knex(): never {
    throw new Error('the router must not touch the database while being built');
  },
  ping: () => Promise.reject(new Error('unused')),
  checkReadiness: () => Promise.reject(new Error('unused')),
  close: () => Promise.resolve(),
};

function routerOperations(): string[] {
  const router = createRouter({
    config,
    db: unusedDatabase,
    isDraining: () => false,
    usage: { admit: () => Promise.reject(new Error('unused')), close: () => Promise.resolve() },
    answer: {
      providers: createLocalProviders(),
      retrieve: () => Promise.reject(new Error('unused')),
      minScore: 0,
      now: Date.now,
    },
  });
  return router.stack.flatMap((layer) =>
    layer.methods
      .filter((method) => method !== 'HEAD')
      .map((method) => `${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
  );
}

interface Operation {
  readonly security?: unknown;
  readonly responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

function operations(document: OpenApiDocument): [string, Operation][] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

describe('openApiDocument', () => {
  const document = openApiDocument(config.limits);
  const byName = new Map(operations(document));
  const operation = (name: string): Operation => {
    const found = byName.get(name);
    if (found === undefined) throw new Error(`${name} is not documented`);
    return found;
  };
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;

  it('documents exactly the routes the router serves', () => {
    const served = routerOperations();
    expect(served).toContain('POST /api/query');
    expect(served).toContain('DELETE /api/documents/{id}');
    expect([...byName.keys()].sort()).toEqual([...served].sort());
  });

  it('is OpenAPI 3.1 and every $ref resolves', () => {
    expect(document.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map(
      (match) => match[1] ?? '',
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(Object.keys(schemas)).toContain(name);
  });

  it('gives every error response the shared error schema', () => {
    for (const [name, { responses }] of byName) {
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema;
        const ref = (schema as { $ref?: string } | undefined)?.$ref;
        expect([name, status, ref]).toEqual([
          name,
          status,
          expect.stringMatching(/^#\/components\/schemas\/(Error|UploadError)$/),
        ]);
      }
    }
    expect(JSON.stringify(schemas.UploadError)).toContain('#/components/schemas/Error');
  });

  it('secures everything but the health checks, and documents who may manage documents', () => {
    expect(document.security).toEqual([{ albSignIn: [] }, { adminToken: [] }]);
    expect(operation('GET /health').security).toEqual([]);
    expect(operation('GET /ready').security).toEqual([]);
    expect(operation('POST /api/query')).not.toHaveProperty('security');
    for (const name of ['POST /api/documents', 'GET /api/documents/{id}', 'DELETE /api/documents/{id}']) {
      expect(Object.keys(operation(name).responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(operation('GET /api/documents').responses).not.toHaveProperty('403');
  });

  it('states the configured limits', () => {
    const query = (schemas.QueryRequest?.properties ?? {}) as Record<string, { maxLength?: number }>;
    expect(query.query?.maxLength).toBe(config.limits.maxQueryChars);
    const input = (schemas.DocumentInput?.properties ?? {}) as Record<string, { maxLength?: number }>;
    expect(input.content?.maxLength).toBe(config.limits.maxDocumentChars);
  });

  it('documents the multipart upload with one result per file', () => {
    const upload = JSON.stringify(operation('POST /api/documents'));
    expect(upload).toContain('multipart/form-data');
    expect(upload).toContain('#/components/schemas/FileUpload');
    expect(Object.keys(operation('POST /api/documents').responses)).toEqual(
      expect.arrayContaining(['200', '201', '207', '413', '415', '422']),
    );
  });
});
