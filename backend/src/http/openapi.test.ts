import { loadConfig } from '../config';
import type { Database } from '../db/database';
import { createLocalProviders } from '../providers/local';
import { openApiDocument } from './openapi';
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
    usage: { admit: () => Promise.reject(new Error('unused')) },
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

function documentedOperations(document: ReturnType<typeof openApiDocument>): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('openApiDocument', () => {
  const document = openApiDocument(config.limits);

  it('documents exactly the routes the router serves', () => {
    const served = routerOperations();
    expect(served).toContain('POST /api/query');
    expect(served).toContain('DELETE /api/documents/{id}');
    expect(documentedOperations(document).sort()).toEqual([...served].sort());
  });

  it('is OpenAPI 3.1 and every $ref resolves', () => {
    expect(document.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map(
      (match) => match[1] ?? '',
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(Object.keys(document.components.schemas)).toContain(name);
  });

  it('gives every error response the shared error schema', () => {
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          expect(response).toMatchObject({
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          });
        }
      }
    }
  });

  it('secures everything but the health checks, and documents who may manage documents', () => {
    const paths = document.paths;
    expect(document.security).toEqual([{ albSignIn: [] }, { adminToken: [] }]);
    expect(paths['/health'].get.security).toEqual([]);
    expect(paths['/ready'].get.security).toEqual([]);
    expect(paths['/api/query'].post).not.toHaveProperty('security');
    for (const operation of [
      paths['/api/documents'].post,
      paths['/api/documents/{id}'].get,
      paths['/api/documents/{id}'].delete,
    ]) {
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(paths['/api/documents'].get.responses).not.toHaveProperty('403');
  });

  it('states the configured limits', () => {
    const query = document.components.schemas.QueryRequest.properties.query;
    expect(query.maxLength).toBe(config.limits.maxQueryChars);
  });
});
