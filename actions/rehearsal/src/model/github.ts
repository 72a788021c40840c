import { GitHubError } from './errors';

/** The GITHUB_TOKEN permission scopes a job's `permissions:` grants (none = no access). */
export type Permissions = Readonly<Record<string, 'read' | 'write' | 'none'>>;

export interface Token {
  readonly value: string;
  readonly permissions: Permissions;
  readonly job: string;
}

export interface DeploymentStatus {
  readonly id: number;
  readonly state: string;
  readonly description: string;
  readonly environment_url: string;
  readonly log_url: string;
  readonly created_at: string;
}

export interface Deployment {
  readonly id: number;
  readonly sha: string;
  readonly ref: string;
  readonly environment: string;
  readonly description: string;
  readonly payload: unknown;
  readonly transient_environment: boolean;
  readonly production_environment: boolean;
  readonly created_at: string;
  readonly statuses: DeploymentStatus[];
}

export interface Comment {
  readonly id: number;
  readonly issue: number;
  body: string;
  readonly user: { readonly login: string; readonly type: string };
}

/** The GitHub REST endpoints the workflows call, with GITHUB_TOKEN permissions enforced. */
export class GitHub {
  readonly tokens = new Map<string, Token>();
  readonly deployments: Deployment[] = [];
  readonly comments: Comment[] = [];
  private sequence = 1000;

  constructor(
    readonly repository: string,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  private require(token: Token, scope: string, level: 'read' | 'write'): void {
    const granted = token.permissions[scope] ?? 'none';
    if (granted === 'write' || (granted === 'read' && level === 'read')) return;
    throw new GitHubError(
      403,
      `Resource not accessible by integration (needs ${scope}: ${level}, job ${token.job} has ${scope}: ${granted})`,
    );
  }

  private deployment(id: number): Deployment {
    const found = this.deployments.find((d) => d.id === id);
    if (!found) throw new GitHubError(404, 'Not Found');
    return found;
  }

  private createStatus(deployment: Deployment, body: Record<string, any>): DeploymentStatus {
    const status: DeploymentStatus = {
      id: ++this.sequence,
      state: String(body.state),
      description: String(body.description ?? ''),
      environment_url: String(body.environment_url ?? ''),
      log_url: String(body.log_url ?? ''),
      created_at: this.isoNow(),
    };
    deployment.statuses.unshift(status);
    // "auto_inactive: Adds a new inactive status to all prior non-transient, non-production environment
    // deployments with the same repository and environment name ... that had a success state" (default true).
    if (status.state === 'success' && body.auto_inactive !== false) {
      for (const other of this.deployments) {
        if (other === deployment || other.environment !== deployment.environment) continue;
        if (other.transient_environment || other.production_environment) continue;
        if (other.statuses[0]?.state !== 'success') continue;
        other.statuses.unshift({
          ...status,
          id: ++this.sequence,
          state: 'inactive',
          description: 'auto_inactive',
        });
      }
    }
    this.log(`    github deployment ${deployment.id} (${deployment.environment}): ${status.state}`);
    return status;
  }

  /** Answers one REST request; returns [status, body]. */
  handle(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, any>,
    auth: string | undefined,
  ): [number, unknown] {
    const token = this.tokens.get((auth ?? '').replace(/^(token|bearer)\s+/i, ''));
    if (!token) throw new GitHubError(401, 'Bad credentials');
    const prefix = `/repos/${this.repository}`;
    if (!path.startsWith(prefix)) throw new GitHubError(404, `Not Found (${path})`);
    const rest = path.slice(prefix.length);
    if (rest === '/deployments' && method === 'POST') {
      this.require(token, 'deployments', 'write');
      const environment = String(body.environment ?? 'production');
      const deployment: Deployment = {
        id: ++this.sequence,
        sha: String(body.ref),
        ref: String(body.ref),
        environment,
        description: String(body.description ?? ''),
        payload: body.payload ?? {},
        transient_environment: body.transient_environment === true,
        // "production_environment: ... Default: true when environment is production and false otherwise."
        production_environment: body.production_environment ?? environment === 'production',
        created_at: this.isoNow(),
        statuses: [],
      };
      this.deployments.push(deployment);
      return [201, this.present(deployment)];
    }
    if (rest === '/deployments' && method === 'GET') {
      this.require(token, 'deployments', 'read');
      const environment = query.get('environment');
      const perPage = Number(query.get('per_page') ?? 30);
      const page = Number(query.get('page') ?? 1);
      const list = this.deployments
        .filter((d) => environment === null || d.environment === environment)
        .filter((d) => !query.get('sha') || d.sha === query.get('sha'))
        .slice()
        .reverse();
      return [200, list.slice((page - 1) * perPage, page * perPage).map((d) => this.present(d))];
    }
    const statuses = /^\/deployments\/(\d+)\/statuses$/.exec(rest);
    if (statuses) {
      const deployment = this.deployment(Number(statuses[1]));
      if (method === 'POST') {
        this.require(token, 'deployments', 'write');
        return [201, this.createStatus(deployment, body)];
      }
      this.require(token, 'deployments', 'read');
      const perPage = Number(query.get('per_page') ?? 30);
      const page = Number(query.get('page') ?? 1);
      return [200, deployment.statuses.slice((page - 1) * perPage, page * perPage)];
    }
    const issueComments = /^\/issues\/(\d+)\/comments$/.exec(rest);
    if (issueComments) {
      const issue = Number(issueComments[1]);
      if (method === 'POST') {
        this.require(token, 'pull-requests', 'write');
        const comment: Comment = {
          id: ++this.sequence,
          issue,
          body: String(body.body),
          user: { login: 'github-actions[bot]', type: 'Bot' },
        };
        this.comments.push(comment);
        this.log(`    github comment on #${issue}: ${comment.body.split('\n')[0]}`);
        return [201, comment];
      }
      this.require(token, 'pull-requests', 'read');
      return [200, this.comments.filter((c) => c.issue === issue)];
    }
    const commentPath = /^\/issues\/comments\/(\d+)$/.exec(rest);
    if (commentPath && method === 'PATCH') {
      this.require(token, 'pull-requests', 'write');
      const comment = this.comments.find((c) => c.id === Number(commentPath[1]));
      if (!comment) throw new GitHubError(404, 'Not Found');
      comment.body = String(body.body);
      this.log(`    github comment on #${comment.issue} edited: ${comment.body.split('\n')[0]}`);
      return [200, comment];
    }
    throw new GitHubError(404, `Not Found: the rehearsal models no ${method} ${path}`);
  }

  present(deployment: Deployment) {
    const { statuses: _statuses, ...rest } = deployment;
    return rest;
  }

  latestState(deployment: Deployment): string | undefined {
    return deployment.statuses[0]?.state;
  }
}
