import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SCRIPTS_DIR } from './workflow-files';

const SCRIPT = join(SCRIPTS_DIR, 'smoke-test.sh');

/** A load balancer stand-in: answers each path with the status the test chooses, and counts requests. */
async function listen(statusFor: (path: string, hit: number) => number) {
  const hits: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.push(path);
    response.statusCode = statusFor(path, hits.filter((hit) => hit === path).length);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/pr-7/`, hits, close: () => new Promise((r) => server.close(r)) };
}

// Asynchronous on purpose: the fake server lives in this process and must keep answering meanwhile.
function smoke(url: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT, url],
      { env: { PATH: process.env.PATH, SMOKE_ATTEMPTS: '3', SMOKE_DELAY_SECONDS: '0' } },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
    );
  });
}

describe('smoke-test.sh', () => {
  it('passes when /health and the page answer 200, under the URL prefix', async () => {
    const server = await listen(() => 200);
    try {
      const result = await smoke(server.url);
      expect(result.code).toBe(0);
      expect(server.hits).toEqual(['/pr-7/health', '/pr-7/']);
    } finally {
      await server.close();
    }
  });

  it('retries while the target warms up', async () => {
    const server = await listen((path, hit) => (path.endsWith('health') && hit < 3 ? 503 : 200));
    try {
      const result = await smoke(server.url);
      expect(result.code).toBe(0);
      expect(server.hits.filter((hit) => hit === '/pr-7/health')).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('fails with an error annotation once the attempts run out', async () => {
    const server = await listen((path) => (path === '/pr-7/' ? 502 : 200));
    try {
      const result = await smoke(server.url);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        `::error title=Smoke test failed::${server.url} did not answer 200 after 3 attempts (last: 502)`,
      );
      expect(server.hits.filter((hit) => hit === '/pr-7/')).toHaveLength(3);
    } finally {
      await server.close();
    }
  });
});
