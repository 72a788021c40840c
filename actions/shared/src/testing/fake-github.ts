import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredDeployment {
  id: number;
  environment: string;
  payload: unknown;
  statuses: { state: string; environment_url?: string }[];
}

/**
 * Just enough of the GitHub REST Deployments API, in memory, for Octokit to talk to. Models
 * `auto_inactive` as documented for "Create a deployment status": unless it is false, a new status
 * adds an `inactive` status to all prior non-transient, non-production deployments of the same
 * environment that had a `success` state (the API reference says so of every created status; the
 * REST guide says of `success` ones, which is the case that matters here).
 */
export class FakeGitHub {
  readonly deployments: StoredDeployment[] = [];
  readonly requests: string[] = [];
  /** Production or transient deployments, which auto_inactive leaves alone. */
  private readonly neverInactivated = new Set<number>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        this.requests.push(`${request.method} ${url.pathname}`);
        const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        const [status, reply] = this.route(request.method ?? 'GET', url, body, request.headers.authorization);
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private route(
    method: string,
    url: URL,
    body: Record<string, unknown>,
    auth: string | undefined,
  ): [number, unknown] {
    if (auth !== 'token test-token') return [401, { message: 'Bad credentials' }];
    const list = /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(url.pathname);
    const statuses = /^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/.exec(url.pathname);
    if (list && method === 'POST') {
      const deployment = {
        id: 1000 + this.deployments.length,
        environment: String(body.environment),
        payload: body.payload,
        statuses: [],
      };
      if (body.production_environment === true || body.transient_environment === true) {
        this.neverInactivated.add(deployment.id);
      }
      this.deployments.unshift(deployment);
      return [201, { id: deployment.id, environment: deployment.environment, payload: deployment.payload }];
    }
    if (list) {
      const page = Number(url.searchParams.get('page') ?? '1');
      const perPage = Number(url.searchParams.get('per_page') ?? '30');
      const matching = this.deployments.filter(
        (entry) => entry.environment === url.searchParams.get('environment'),
      );
      return [
        200,
        matching.slice((page - 1) * perPage, page * perPage).map(({ statuses: _s, ...rest }) => rest),
      ];
    }
    const deployment = statuses && this.deployments.find((entry) => entry.id === Number(statuses[1]));
    if (deployment && method === 'POST') {
      deployment.statuses.unshift({
        state: String(body.state),
        ...(body.environment_url ? { environment_url: String(body.environment_url) } : {}),
      });
      if (body.state === 'success' && body.auto_inactive !== false) this.inactivatePriorTo(deployment);
      return [201, deployment.statuses[0]];
    }
    if (deployment)
      return [200, deployment.statuses.slice(0, Number(url.searchParams.get('per_page') ?? '30'))];
    return [404, { message: 'Not Found' }];
  }

  private inactivatePriorTo(deployment: StoredDeployment): void {
    const prior = this.deployments.slice(this.deployments.indexOf(deployment) + 1);
    for (const entry of prior) {
      if (entry.environment !== deployment.environment) continue;
      if (this.neverInactivated.has(entry.id)) continue;
      if (entry.statuses.some((status) => status.state === 'success'))
        entry.statuses.unshift({ state: 'inactive' });
    }
  }
}
