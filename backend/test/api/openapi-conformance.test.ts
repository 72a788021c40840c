import { loadConfig } from '../../src/config';
import { openApiDocument } from '../../src/http/openapi';
import { responseConformance } from './openapi-conformance';

const conformance = responseConformance(
  openApiDocument(loadConfig({ ADMIN_TOKEN: 'conformance-admin-token' }).limits),
);
const stats = { documents: 3, chunks: 9, embeddingModel: 'e', generationModel: 'g', mode: 'local' };

describe('responseConformance', () => {
  it('accepts a response shaped as documented', () => {
    expect(
      conformance.problem('GET', '/api/stats', 200, 'application/json; charset=utf-8', stats),
    ).toBeUndefined();
    expect(
      conformance.problem('GET', '/api/nope', 404, 'application/json', {
        error: { code: 'not_found', message: 'x' },
      }),
    ).toBeUndefined();
  });

  it('names what drifted: a field, an undocumented status or media type, an unknown path', () => {
    expect(
      conformance.problem('GET', '/api/stats', 200, 'application/json', { ...stats, documents: '3' }),
    ).toMatch(/GET \/api\/stats → 200: body\/documents must be integer/);
    expect(conformance.problem('GET', '/api/stats', 418, 'application/json', {})).toMatch(
      /status 418 is not documented/,
    );
    expect(conformance.problem('GET', '/api/stats', 200, 'text/plain', 'x')).toMatch(
      /text\/plain is not a documented/,
    );
    expect(conformance.problem('GET', '/api/nope', 200, 'application/json', {})).toMatch(/not documented/);
    expect(
      conformance.problem('DELETE', '/api/documents/abc', 404, 'application/json', { error: {} }),
    ).toMatch(/must have required property 'code'/);
  });
});
