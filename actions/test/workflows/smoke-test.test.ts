import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SCRIPTS_DIR } from './workflow-files';

const SCRIPT = join(SCRIPTS_DIR, 'smoke-test.sh');

interface Reply {
  readonly status: number;
  readonly body?: string;
}

const PAGE: Reply = { status: 200, body: '<!doctype html><html><body><main id="chat"></main></body></html>' };
const ANSWER: Reply = {
  status: 200,
  body: JSON.stringify({
    answer: 'No documents yet.',
    sources: [],
    query: 'q',
    timings: {},
    mode: 'bedrock',
  }),
};
// What an ALB answers for a target group without registered targets (ELB troubleshooting guide).
const EMPTY_TARGET_GROUP: Reply = {
  status: 503,
  body: '<html><body>503 Service Temporarily Unavailable</body></html>',
};

interface Hit {
  readonly request: string;
  readonly body: string;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * A load balancer stand-in: answers `METHOD path` with the reply the test chooses (default: an
 * empty target group), and records every request.
 */
async function listen(
  replyFor: (request: string, hit: number, headers: Hit['headers']) => Reply | undefined,
) {
  const hits: Hit[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const key = `${request.method} ${request.url ?? '/'}`;
      hits.push({
        request: key,
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: request.headers['content-type'],
        headers: request.headers,
      });
      const reply =
        replyFor(key, hits.filter((hit) => hit.request === key).length, request.headers) ??
        EMPTY_TARGET_GROUP;
      response.statusCode = reply.status;
      response.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    requests: () => hits.map((hit) => hit.request),
    close: () => new Promise((r) => server.close(r)),
  };
}

// Asynchronous on purpose: the fake server lives in this process and must keep answering meanwhile.
function smoke(...args: string[]): Promise<{ code: number; stdout: string }> {
  return smokeWith({}, ...args);
}

function smokeWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { env: { PATH: process.env.PATH, SMOKE_ATTEMPTS: '3', SMOKE_DELAY_SECONDS: '0', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout: stdout + stderr }),
    );
  });
}

/** The test listener while the backend is being deployed: only the backend routes have targets. */
const backendOnly = (request: string): Reply | undefined => {
  if (request === 'GET /health') return { status: 200, body: '{"status":"ok"}' };
  if (request === 'POST /api/query') return ANSWER;
  return undefined;
};

describe('smoke-test.sh', () => {
  it('checks only the backend when the backend is deployed: /health and a query through DB and embedder', async () => {
    const server = await listen(backendOnly);
    try {
      const result = await smoke(`${server.origin}/`, 'backend');
      expect(result.code).toBe(0);
      expect(server.requests()).toEqual(['GET /health', 'POST /api/query']);
      const query = server.hits[1]!;
      expect(query.contentType).toBe('application/json');
      expect(JSON.parse(query.body)).toEqual({ query: expect.any(String), topK: 1 });
    } finally {
      await server.close();
    }
  });

  it('fails the backend when /health is fine but a query does not answer', async () => {
    const server = await listen((request) =>
      request === 'POST /api/query'
        ? { status: 502, body: '{"error":{"code":"provider_failed"}}' }
        : backendOnly(request),
    );
    try {
      const result = await smoke(server.origin, 'backend');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('::error title=Smoke test failed::');
      expect(result.stdout).toContain('POST /api/query');
    } finally {
      await server.close();
    }
  });

  it('fails a query that answers 200 without an answer', async () => {
    const server = await listen((request) =>
      request === 'POST /api/query'
        ? { status: 200, body: '<html>not the API</html>' }
        : backendOnly(request),
    );
    try {
      const result = await smoke(server.origin, 'backend');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('no answer');
    } finally {
      await server.close();
    }
  });

  it('checks the frontend page and the API route the page calls, never the backend-only /health', async () => {
    const server = await listen((request) => {
      if (request === 'GET /') return PAGE;
      if (request === 'POST /api/query') return ANSWER;
      return undefined;
    });
    try {
      const result = await smoke(server.origin, 'frontend');
      expect(result.code).toBe(0);
      expect(server.requests()).toEqual(['GET /', 'POST /api/query']);
    } finally {
      await server.close();
    }
  });

  it('fails the frontend when its page is not the chat page', async () => {
    const server = await listen((request) => {
      if (request === 'GET /') return { status: 200, body: '{"status":"ok"}' };
      return backendOnly(request);
    });
    try {
      const result = await smoke(server.origin, 'frontend');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('not an HTML page');
    } finally {
      await server.close();
    }
  });

  it('checks everything under a preview prefix when no service is named', async () => {
    const server = await listen((request) => {
      if (request === 'GET /pr-7/health') return { status: 200, body: '{"status":"ok"}' };
      if (request === 'GET /pr-7/') return PAGE;
      if (request === 'POST /pr-7/api/query') return ANSWER;
      return undefined;
    });
    try {
      const result = await smoke(`${server.origin}/pr-7/`);
      expect(result.code).toBe(0);
      expect(server.requests()).toEqual(['GET /pr-7/health', 'GET /pr-7/', 'POST /pr-7/api/query']);
    } finally {
      await server.close();
    }
  });

  it('retries while the replacement tasks warm up', async () => {
    const server = await listen((request, hit) =>
      request === 'GET /health' && hit < 3 ? EMPTY_TARGET_GROUP : backendOnly(request),
    );
    try {
      const result = await smoke(server.origin, 'backend');
      expect(result.code).toBe(0);
      expect(server.requests().filter((request) => request === 'GET /health')).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('fails with an error annotation naming the last status once the attempts run out', async () => {
    const server = await listen(() => undefined);
    try {
      const result = await smoke(server.origin, 'backend');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        `::error title=Smoke test failed::GET ${server.origin}/health did not pass after 3 attempts (last: HTTP 503)`,
      );
      expect(server.requests()).toEqual(['GET /health', 'GET /health', 'GET /health']);
    } finally {
      await server.close();
    }
  });

  // The test listener: without the header its sign-in redirects; the frontend refuses unsigned
  // requests, the backend accepts the bearer token.
  const SECRET = 'a1b2c3';
  const TOKEN = 'admin-token-0123456789';
  const signedIn = { SMOKE_AUTOMATION_SECRET: SECRET, SMOKE_BEARER_TOKEN: TOKEN };
  const testListener =
    (frontendPage: string) =>
    (request: string, _hit: number, headers: Hit['headers']): Reply | undefined => {
      if (headers['x-ragchat-automation'] !== SECRET) return { status: 302 };
      if (request === `GET ${frontendPage}`)
        return { status: 401, body: '{"error":{"code":"unauthorized","message":"m"}}' };
      if (headers.authorization !== `Bearer ${TOKEN}`) return { status: 401 };
      return backendOnly(request);
    };

  it('passes the test listener sign-in with the automation header and asks the backend as automation', async () => {
    const server = await listen(testListener('/'));
    try {
      const result = await smokeWith(signedIn, `${server.origin}/`, 'all');
      expect(result.stdout).toContain('ok: GET / answered 401');
      expect(result.code).toBe(0);
      expect(server.requests()).toEqual(['GET /health', 'POST /api/query', 'GET /']);
      expect(result.stdout).not.toContain(TOKEN);
    } finally {
      await server.close();
    }
  });

  it('under sign-in, checks a preview backend at the origin and its frontend under the prefix', async () => {
    const server = await listen(testListener('/pr-7/'));
    try {
      const result = await smokeWith(signedIn, `${server.origin}/pr-7/`, 'all');
      expect(result.code).toBe(0);
      expect(server.requests()).toEqual(['GET /health', 'POST /api/query', 'GET /pr-7/']);
    } finally {
      await server.close();
    }
  });

  it('under sign-in, checks only that the deployed frontend refuses unsigned requests', async () => {
    const server = await listen(testListener('/'));
    try {
      const result = await smokeWith(signedIn, server.origin, 'frontend');
      expect(result.code).toBe(0);
      expect(server.requests()).toEqual(['GET /']);
    } finally {
      await server.close();
    }
  });

  it("fails the frontend under sign-in when the load balancer's sign-in answers instead of the frontend", async () => {
    const server = await listen(() => ({ status: 401, body: '<html>401 Authorization Required</html>' }));
    try {
      const result = await smokeWith(signedIn, server.origin, 'frontend');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('not the sign-in refusal');
    } finally {
      await server.close();
    }
  });

  it('rejects an unknown service', async () => {
    const result = await smoke('http://127.0.0.1:9/', 'database');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('backend, frontend or all');
  });
});
