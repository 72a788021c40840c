import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from '../../src/http/openapi';

/**
 * Checks real responses against the OpenAPI document the service serves: the route must list the
 * status and media type, and a JSON body must match the schema documented for that route and
 * status. Paths the document does not describe (404s, 405s) must still carry the Error schema.
 */
export interface ResponseConformance {
  /** A description of what does not match, or undefined when the response is as documented. */
  problem(
    method: string,
    path: string,
    status: number,
    contentType: string,
    body: unknown,
  ): string | undefined;
}

const DOCUMENT_ID = 'https://ragchat.invalid/openapi.json';

interface DocumentedResponse {
  readonly content?: Readonly<Record<string, unknown>>;
}

export function responseConformance(document: OpenApiDocument): ResponseConformance {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema(document as object, DOCUMENT_ID);
  const routes = Object.keys(document.paths ?? {}).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
  }));
  const pointer = (...segments: string[]) =>
    `${DOCUMENT_ID}#/${segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  const validate = (ref: string, body: unknown): string | undefined => {
    const validator = ajv.getSchema(ref);
    if (validator === undefined) return `no schema at ${ref}`;
    if (validator(body)) return undefined;
    return ajv.errorsText(validator.errors, { dataVar: 'body' });
  };

  return {
    problem(method, path, status, contentType, body) {
      const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      // HEAD answers as GET without the body; a CORS preflight is the middleware's, not a route's.
      if (method === 'OPTIONS') return undefined;
      const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
      const route = routes.find(({ pattern }) => pattern.test(path));
      const operation =
        route && (document.paths?.[route.template] as Record<string, unknown> | undefined)?.[verb];
      const name = `${method} ${path} → ${status}`;
      if (operation === undefined || route === undefined) {
        if (status < 400) return `${name}: the path is not documented`;
        return mediaType === 'application/json'
          ? prefixed(name, validate(pointer('components', 'schemas', 'Error'), body))
          : `${name}: an error without a JSON body`;
      }
      const responses = (operation as { responses: Record<string, DocumentedResponse> }).responses;
      const documented = responses[String(status)];
      if (documented === undefined) return `${name}: status ${status} is not documented for this route`;
      if (documented.content === undefined) {
        return mediaType === '' ? undefined : `${name}: documented without a body, but sent ${mediaType}`;
      }
      if (documented.content[mediaType] === undefined) {
        return `${name}: ${mediaType || 'no body'} is not a documented media type (${Object.keys(documented.content).join(', ')})`;
      }
      if (mediaType !== 'application/json') return undefined;
      if (method === 'HEAD') return undefined;
      const ref = pointer(
        'paths',
        route.template,
        verb,
        'responses',
        String(status),
        'content',
        mediaType,
        'schema',
      );
      return prefixed(name, validate(ref, body));
    },
  };
}

function prefixed(name: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `${name}: ${problem}`;
}

/**
 * Wraps this test file's global fetch so every response from `baseUrl` is checked as it arrives:
 * a response the OpenAPI document does not describe fails the request, and so the test. Streams
 * (SSE, JSON Lines) are checked for status and media type only, so reading them stays incremental.
 */
export function checkResponsesAgainst(baseUrl: string, conformance: ResponseConformance): () => void {
  const inner = globalThis.fetch;
  const checked: typeof fetch = async (input, init) => {
    const response = await inner(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(baseUrl)) return response;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const contentType = response.headers.get('content-type') ?? '';
    const body =
      method !== 'HEAD' && contentType.startsWith('application/json') ? await readJson(response) : undefined;
    const problem = conformance.problem(method, new URL(url).pathname, response.status, contentType, body);
    if (problem !== undefined) throw new Error(`Response differs from the OpenAPI document: ${problem}`);
    return response;
  };
  globalThis.fetch = checked;
  return () => {
    if (globalThis.fetch === checked) globalThis.fetch = inner;
  };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.clone().text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
