import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from '../clock/clock';
import { CloudFormation } from './cloudformation';
import { CodeDeploy } from './codedeploy';
import { Ecr } from './ecr';
import { Ecs } from './ecs';
import { type Authenticate, Elb, type Listener, redirectLocation } from './elb';
import { AwsError, GitHubError } from './errors';
import { GitHub } from './github';
import { type Internet, issueCertificate } from './internet';
import { OidcSigner } from './oidc';
import {
  JSON_TARGETS,
  readBody,
  sendJson,
  sendJsonError,
  sendQuery,
  sendQueryError,
  signer,
} from './protocol';
import { Resources } from './resources';
import { SecretsManager } from './secrets';
import { Ssm } from './ssm';
import { assumeRoleWithWebIdentity } from './sts';
import { type Caller, World } from './world';

/** What a fake task answers: HTTP status for a request, decided per service and commit by the scenario. */
export type Behaviour = (request: {
  service: string;
  commit: string;
  method: string;
  path: string;
}) => number;

export const healthyBehaviour: Behaviour = ({ service, method, path }) => {
  const bare = path.replace(/^\/pr-\d+/, '') || '/';
  if (bare === '/health') return 200;
  if (service === 'backend')
    return bare.startsWith('/api/') ? (method === 'POST' || method === 'GET' ? 200 : 405) : 404;
  return method === 'GET' ? 200 : 405;
};

/** Control-plane calls the stand-ins make (cdk, docker); the answer is printed by the stand-in. */
export type ControlHandler = (
  caller: Caller | undefined,
  body: Record<string, any>,
) => Promise<{ exitCode: number; output: string; data?: unknown }>;

export class Model {
  readonly world: World;
  readonly ecr: Ecr;
  readonly ecs: Ecs;
  readonly elb: Elb;
  readonly codedeploy: CodeDeploy;
  readonly ssm: Ssm;
  readonly secrets: SecretsManager;
  /** ACM certificates the operator issued (ARN -> domain); DNS points each domain at the ALB using it. */
  readonly certificates = new Map<string, string>();
  /** The TLS identity every HTTPS listener front presents (covers the certificates' domains). */
  private tls: { key: Buffer; cert: Buffer; caFile: string } | undefined;
  readonly cloudformation: CloudFormation;
  readonly resources: Resources;
  readonly github: GitHub;
  readonly oidc = new OidcSigner(randomBytes(32).toString('hex'));
  /** OIDC request tokens the runner handed to jobs, with the claims GitHub would put in their token. */
  readonly oidcRequests = new Map<string, Record<string, unknown>>();
  readonly control = new Map<string, ControlHandler>();
  behaviour: Behaviour = healthyBehaviour;
  private server: Server | undefined;
  private readonly fronts = new Map<string, Server>();
  endpoint = '';

  constructor(
    clock: VirtualClock,
    log: (line: string) => void,
    repository: string,
    /** The checkout whose infra/lambda handlers custom resources run. */
    readonly repoRoot: string,
  ) {
    this.world = new World(clock, log);
    this.ecr = new Ecr(this.world);
    this.ecs = new Ecs(this.world, this.ecr);
    this.elb = new Elb(this.world);
    this.codedeploy = new CodeDeploy(this.world, this.ecs, this.elb);
    this.ssm = new Ssm(this.world);
    this.secrets = new SecretsManager(this.world);
    this.resources = new Resources(this);
    this.cloudformation = new CloudFormation(this);
    this.github = new GitHub(repository, () => this.world.now(), log);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error instanceof Error ? error.stack : error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await this.internet?.stop();
    const servers = [this.server, ...this.fronts.values()].filter((s): s is Server => s !== undefined);
    await Promise.all(
      servers.map(
        (s) =>
          new Promise((resolve) => {
            s.closeAllConnections();
            s.close(resolve);
          }),
      ),
    );
  }

  /** Set by the rehearsal: the stand-in for public URLs the workflows download from. */
  internet: Internet | undefined;

  /**
   * The operator's ACM certificates (one per environment domain, issued and validated before the
   * first deploy, docs/operations.md): HTTPS listeners naming one serve the domain, and DNS (an
   * alias record) points the domain at that listener's load balancer.
   */
  issueCertificates(dir: string, certificates: ReadonlyMap<string, string>): void {
    for (const [arn, domain] of certificates) this.certificates.set(arn, domain);
    const caFile = `${dir}/alb-ca.pem`;
    const key = issueCertificate(dir, 'alb', 'rehearsal ACM', [...this.certificates.values()], caFile);
    this.tls = { key: readFileSync(key), cert: readFileSync(caFile), caFile };
  }

  /** Domains DNS resolves to a load balancer: those of the certificates its listeners serve. */
  private domainsOf(loadBalancerArn: string): string[] {
    const domains = [...this.elb.listeners.values()]
      .filter((listener) => listener.loadBalancerArn === loadBalancerArn)
      .flatMap((listener) => listener.certificateArns.map((arn) => this.certificates.get(arn)))
      .filter((domain): domain is string => domain !== undefined);
    return [...new Set(domains)];
  }

  /** curl's ~/.curlrc: the CAs it trusts, and each ALB name and domain with each listener port mapped to its front. */
  curlConnectTo(): string[] {
    const cas = [this.internet?.caFile, this.tls?.caFile].filter((f): f is string => f !== undefined);
    const lines: string[] = [];
    if (cas.length > 0) {
      const bundle = `${cas[0]}.bundle`;
      writeFileSync(bundle, cas.map((file) => readFileSync(file, 'utf8')).join('\n'));
      lines.push(`cacert = "${bundle}"`);
    }
    lines.push(...(this.internet?.curlConfig() ?? []).filter((line) => !line.startsWith('cacert')));
    for (const listener of this.elb.listeners.values()) {
      const lb = this.elb.loadBalancers.get(listener.loadBalancerArn);
      if (!lb || !listener.frontPort) continue;
      for (const host of [lb.dnsName, ...this.domainsOf(lb.arn)])
        lines.push(`connect-to = "${host}:${listener.port}:127.0.0.1:${listener.frontPort}"`);
    }
    return lines;
  }

  onListenerCreated(arn: string): void {
    const listener = this.elb.listeners.get(arn);
    const serve = (request: IncomingMessage, response: ServerResponse) =>
      this.serveFront(arn, request, response);
    if (listener?.protocol === 'HTTPS' && !this.tls) {
      throw new Error(`listener ${arn} is HTTPS, but the rehearsal issued no certificates`);
    }
    const front =
      listener?.protocol === 'HTTPS' && this.tls
        ? createTlsServer({ key: this.tls.key, cert: this.tls.cert }, serve)
        : createServer(serve);
    front.listen(0, '127.0.0.1', () => {
      const created = this.elb.listeners.get(arn);
      if (created) created.frontPort = (front.address() as AddressInfo).port;
    });
    this.fronts.set(arn, front);
  }

  onListenerDeleted(arn: string): void {
    this.fronts.get(arn)?.close();
    this.fronts.delete(arn);
  }

  /**
   * The load balancer's sign-in for a request without a session (the rehearsal models no IdP, so
   * no request has one): OnUnauthenticatedRequest `authenticate` redirects to the IdP's
   * authorization endpoint, `deny` answers 401, `allow` forwards without user claims.
   */
  private signIn(
    authenticate: Authenticate,
    listener: Listener,
    host: string,
    response: ServerResponse,
  ): 'forward' | 'answered' {
    if (authenticate.onUnauthenticated === 'allow') return 'forward';
    if (authenticate.onUnauthenticated === 'deny') {
      response.writeHead(401, { 'content-type': 'text/html' });
      response.end('<html><body><h1>401 Authorization Required</h1></body></html>');
      return 'answered';
    }
    const port = listener.port === 443 ? '' : `:${listener.port}`;
    const location = new URL(authenticate.authorizationEndpoint);
    location.search = new URLSearchParams({
      client_id: authenticate.clientId,
      redirect_uri: `https://${host}${port}/oauth2/idpresponse`,
      response_type: 'code',
      scope: 'openid',
      state: randomBytes(8).toString('hex'),
    }).toString();
    response.writeHead(302, { location: location.toString() });
    response.end();
    return 'answered';
  }

  /**
   * What a task with sign-in on (SIGNIN_MODE=alb in its task definition) answers a request that
   * carries no token signed by the load balancer (none does here): the frontend refuses everything
   * but /health, the backend accepts only its admin token as a bearer token (automation).
   */
  private signInRefusal(
    taskDefinitionArn: string,
    service: string,
    path: string,
    authorization: string | undefined,
  ): string | undefined {
    const container = this.ecs.taskDefinition(taskDefinitionArn).containerDefinitions[0] as
      | { environment?: { name: string; value: string }[]; secrets?: { name: string; valueFrom: string }[] }
      | undefined;
    const signInOn = container?.environment?.some((e) => e.name === 'SIGNIN_MODE' && e.value === 'alb');
    if (!signInOn || /^(\/pr-\d+)?\/health$/.test(path)) return undefined;
    if (service === 'frontend') return 'Sign-in required: this request carries no sign-in token.';
    const tokenArn = container?.secrets?.find((s) => s.name === 'ADMIN_TOKEN')?.valueFrom;
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (tokenArn && bearer !== undefined && bearer === this.secrets.find(tokenArn).value) return undefined;
    return 'Sign-in required: no valid sign-in token or admin token.';
  }

  /**
   * The ALB: rules (path and header conditions), then a redirect, the sign-in, or weighted target
   * groups, then a running task of the group, or 503.
   */
  private serveFront(arn: string, request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    this.codedeploy.advanceAll();
    const listener = this.elb.listeners.get(arn);
    const url = new URL(request.url ?? '/', 'http://front');
    const path = url.pathname;
    const host = String(request.headers.host ?? '').replace(/:\d+$/, '');
    const routed = listener ? this.elb.route(listener, { path, headers: request.headers }) : undefined;
    if (listener && routed?.redirect) {
      const location = redirectLocation(routed.redirect, {
        protocol: listener.protocol,
        host,
        port: String(listener.port),
        path,
        query: url.search.replace(/^\?/, ''),
      });
      const status = routed.redirect.statusCode === 'HTTP_301' ? 301 : 302;
      this.world.log(
        `    alb :${listener.port} ${request.method} ${path} -> redirect ${location}: ${status}`,
      );
      response.writeHead(status, { location });
      response.end();
      return;
    }
    if (listener && routed?.authenticate) {
      if (this.signIn(routed.authenticate, listener, host, response) === 'answered') {
        this.world.log(
          `    alb :${listener.port} ${request.method} ${path} -> ${routed.authenticate.type}: ${response.statusCode}`,
        );
        return;
      }
    }
    const groupArn = routed ? this.elb.pick(routed.forward) : undefined;
    const targets = groupArn ? this.ecs.targetsOf(groupArn) : [];
    const target = targets[0];
    const group = groupArn ? this.elb.targetGroups.get(groupArn)?.name : 'none';
    if (!target) {
      this.world.log(
        `    alb :${listener?.port} ${request.method} ${path} -> ${group}: 503 (no registered targets)`,
      );
      response.writeHead(503, { 'content-type': 'text/html' });
      response.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
      return;
    }
    const service = target.service.name.split('-').pop() ?? '';
    const commit = this.ecr.findByUri(target.taskSet.image)?.image.commit ?? 'unknown';
    const method = request.method ?? 'GET';
    // A frontend task proxies /api to the backend of its release (the preview path).
    const answering = service === 'frontend' && /\/api\//.test(path) ? 'backend' : service;
    const refusal = this.signInRefusal(
      target.taskSet.taskDefinitionArn,
      service,
      path,
      request.headers.authorization,
    );
    if (refusal) {
      this.world.log(
        `    alb :${listener?.port} ${method} ${path} -> ${group} (${service} ${commit.slice(0, 7)}): 401`,
      );
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'unauthorized', message: refusal } }));
      return;
    }
    const status = this.behaviour({ service: answering, commit, method, path });
    this.world.log(
      `    alb :${listener?.port} ${method} ${path} -> ${group} (${service} ${commit.slice(0, 7)}): ${status}`,
    );
    if (status >= 400) {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { code: 'internal', message: `release ${commit.slice(0, 7)} fails ${method} ${path}` },
        }),
      );
    } else if (answering === 'frontend' && method === 'GET') {
      response.writeHead(status, { 'content-type': 'text/html' });
      response.end(
        `<!doctype html><html><head><title>ragchat</title></head><body>ragchat ${commit.slice(0, 7)}</body></html>`,
      );
    } else {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ status: 'ok', answer: `answer from ${commit.slice(0, 7)}`, sources: [] }),
      );
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.endpoint);
    const body = await readBody(request);
    if (url.pathname === '/_rehearsal/oidc') return this.issueOidcToken(request, url, response);
    if (url.pathname.startsWith('/_rehearsal/'))
      return this.handleControl(url.pathname.slice('/_rehearsal/'.length), body, response);
    if (url.pathname.startsWith('/github/')) return this.handleGitHub(request, url, body, response);
    const target = request.headers['x-amz-target'];
    const { accessKeyId, service: signedService } = signer(request.headers.authorization);
    if (typeof target === 'string') {
      const [prefix, operation = ''] = target.split('.');
      const service = JSON_TARGETS[prefix ?? ''] ?? prefix ?? '';
      try {
        const caller = this.world.caller(accessKeyId);
        const handler = this.jsonOperations(service)?.[operation];
        if (!handler)
          throw new AwsError('UnknownOperationException', `The rehearsal models no ${service}:${operation}`);
        const result = handler(caller, body ? JSON.parse(body) : {});
        this.world.record({ service, operation, principal: caller.session.arn, outcome: 'ok' });
        sendJson(response, 200, result);
      } catch (error) {
        const awsError =
          error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
        this.world.record({
          service,
          operation,
          principal: accessKeyId ?? 'anonymous',
          outcome: `${awsError.code}: ${awsError.message}`,
        });
        sendJsonError(response, awsError);
      }
      return;
    }
    const params = Object.fromEntries(new URLSearchParams(body || url.search));
    const action = params.Action ?? '';
    const service = action === 'AssumeRoleWithWebIdentity' ? 'sts' : (signedService ?? 'unknown');
    try {
      sendQuery(response, service, action, this.queryOperation(service, action, accessKeyId, params));
    } catch (error) {
      const awsError =
        error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
      this.world.record({
        service,
        operation: action,
        principal: accessKeyId ?? 'web identity',
        outcome: `${awsError.code}: ${awsError.message}`,
      });
      sendQueryError(response, awsError);
    }
  }

  private jsonOperations(service: string) {
    return {
      ecr: this.ecr.operations,
      ecs: this.ecs.operations,
      codedeploy: this.codedeploy.operations,
      ssm: this.ssm.operations,
      secretsmanager: this.secrets.operations,
    }[service];
  }

  private queryOperation(
    service: string,
    action: string,
    accessKeyId: string | undefined,
    params: Record<string, string>,
  ): unknown {
    if (service === 'sts' && action === 'AssumeRoleWithWebIdentity') {
      const { session, subject, provider, audience } = assumeRoleWithWebIdentity(
        this.world,
        this.oidc,
        params,
      );
      return {
        Credentials: {
          AccessKeyId: session.accessKeyId,
          SecretAccessKey: session.secretAccessKey,
          SessionToken: session.sessionToken,
          Expiration: new Date(session.expiration).toISOString(),
        },
        SubjectFromWebIdentityToken: subject,
        AssumedRoleUser: {
          Arn: session.arn,
          AssumedRoleId: `AROA${session.role.name.length}:${session.sessionName}`,
        },
        Provider: provider,
        Audience: audience,
      };
    }
    const caller = this.world.caller(accessKeyId);
    let result: unknown;
    if (service === 'sts' && action === 'GetCallerIdentity') {
      result = {
        Arn: caller.session.arn,
        UserId: `AROA:${caller.session.sessionName}`,
        Account: this.world.account,
      };
    } else if (service === 'elasticloadbalancing' && this.elb.operations[action]) {
      result = this.elb.operations[action]?.(caller, params);
    } else {
      throw new AwsError('InvalidAction', `The rehearsal models no ${service}:${action}`);
    }
    this.world.record({ service, operation: action, principal: caller.session.arn, outcome: 'ok' });
    return result;
  }

  private issueOidcToken(request: IncomingMessage, url: URL, response: ServerResponse): void {
    const requestToken = String(request.headers.authorization ?? '').replace(/^bearer\s+/i, '');
    const claims = this.oidcRequests.get(requestToken);
    if (!claims) {
      response.writeHead(403);
      response.end(JSON.stringify({ message: 'Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable' }));
      return;
    }
    const now = Math.floor(this.world.now() / 1000);
    const audience = url.searchParams.get('audience') ?? `https://github.com/${claims.repository_owner}`;
    const token = this.oidc.sign({ ...claims, aud: audience, iat: now, nbf: now, exp: now + 300 });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ value: token }));
  }

  private async handleControl(name: string, body: string, response: ServerResponse): Promise<void> {
    const handler = this.control.get(name);
    const input = body ? (JSON.parse(body) as Record<string, any>) : {};
    let caller: Caller | undefined;
    let result: { exitCode: number; output: string; data?: unknown };
    try {
      caller = input.accessKeyId ? this.world.caller(String(input.accessKeyId)) : undefined;
      result = handler
        ? await handler(caller, input)
        : { exitCode: 1, output: `rehearsal: no stand-in handler ${name}\n` };
    } catch (error) {
      result = {
        exitCode: 1,
        output: `${error instanceof AwsError ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}\n`,
      };
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(result));
  }

  private handleGitHub(request: IncomingMessage, url: URL, body: string, response: ServerResponse): void {
    const path = url.pathname.slice('/github'.length);
    try {
      const [status, result] = this.github.handle(
        request.method ?? 'GET',
        path,
        url.searchParams,
        body ? JSON.parse(body) : {},
        request.headers.authorization,
      );
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(result));
    } catch (error) {
      const status = error instanceof GitHubError ? error.status : 500;
      this.world.log(`    github ${request.method} ${path}: ${status} ${(error as Error).message}`);
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          message: (error as Error).message,
          documentation_url: 'https://docs.github.com/rest',
        }),
      );
    }
  }
}
