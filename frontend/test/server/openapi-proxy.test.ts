import { type RunningFrontend, startFrontend } from '../support/frontend-server';
import { type RealBackend, startRealBackend } from '../support/real-backend';

/**
 * The load balancer sends `/api/*` to the backend and everything else to the frontend; locally the
 * frontend's proxy does the same. The OpenAPI document lives under /api/ so both reach it.
 */
let backend: RealBackend;
let frontend: RunningFrontend;

beforeAll(async () => {
  backend = await startRealBackend({ localMode: true });
  frontend = await startFrontend({ backendUrl: backend.url });
}, 180_000);

afterAll(async () => {
  await frontend?.close();
  await backend?.dispose();
});

it('serves the OpenAPI document through the frontend proxy at /api/openapi.json', async () => {
  const response = await fetch(`${frontend.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(document.openapi).toBe('3.1.0');
  expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/openapi.json', '/api/query']));
  expect(Object.keys(document.paths)).not.toContain('/openapi.json');
});

it('no longer answers the old backend path', async () => {
  const response = await fetch(`${backend.url}/openapi.json`);
  expect(response.status).toBe(404);
});
