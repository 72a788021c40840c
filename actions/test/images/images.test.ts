import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { parseDeployOutputs } from '@ragchat/infra/deploy-contract';
import { mintAlbToken, newSignerKey } from '../../../backend/test/support/alb-signer';
import { type OtlpReceiver, startOtlpReceiver } from '../../../backend/test/support/otlp-receiver';
import {
  DEBIAN_INSTALLATION,
  type PostgresServer,
  startPostgresServer,
} from '../../../backend/test/support/postgres-server';
import { serviceOutputs } from '../../shared/src/deploy-outputs';
import { FakeAws } from '../../shared/src/testing/fake-aws';
import { runDist } from '../../shared/src/testing/run-dist';
import { type ContainerRun, podmanRunArguments } from './ecs-container';
import { Podman } from './podman';
import { synthesizedDeployOutputs } from './synthesized-deploy-outputs';
import { unreadVariables } from './variables-read';

/**
 * Builds both images as CI does (`npm run images`) and runs them as ECS would: from the task
 * definitions render-deployment produces for an environment (the deploy outputs its synthesized
 * stack writes, served from a local SSM endpoint), the backend on the real PostgreSQL + pgvector
 * tier over TLS verify-full, trusting the test CA that the build baked in where CI bakes in the
 * RDS bundle. The ADOT collector sidecar is not run (its image is not available here): both services
 * export OTLP to a collector stand-in of the test's own, the endpoint the sidecar would serve
 * overridden as a deploy may override any variable.
 */
const REPO_ROOT = join(__dirname, '..', '..', '..');
const RENDER = join(REPO_ROOT, 'actions', 'render-deployment', 'dist', 'index.js');
const run = promisify(execFile);
jest.setTimeout(30 * 60_000);

/** The database's DNS name in DB_SECRET; its certificate is issued for it, as RDS's is. */
const DB_HOST = 'ragchat-images.cluster-test.eu-west-1.rds.amazonaws.com';
const DB_USER = 'ragchat';
const QUESTION = 'What is AWS Fargate?';
/**
 * Overrides for a run without AWS: the local provider instead of Bedrock, traces to the stand-in,
 * and a stand-in for the VPC's sign-in key proxy (the load balancer's public keys by key id).
 */
const testRun = (service: Service, collector: string, keyEndpoint: string) =>
  [
    ...(service === 'backend' ? ['backend.PROVIDER=local'] : []),
    `${service}.OTEL_EXPORTER_OTLP_ENDPOINT=${collector}`,
    `${service}.TRACE_SAMPLE_RATE=1`,
    `${service}.SIGNIN_KEY_ENDPOINT=${keyEndpoint}`,
  ].join('\n');
/** The load balancer's signing key: tokens the test sends are signed as the ALB would sign them. */
const signingKey = newSignerKey();
const CONFIG_MODULES = {
  backend: { path: '/app/backend/dist/config.js', parse: 'loadConfig' },
  frontend: { path: '/app/frontend/dist/server/config.js', parse: 'parseConfig' },
} as const;

type Service = 'backend' | 'frontend';

interface BuildResult {
  readonly podmanEnv: Record<string, string>;
  readonly testCa: { readonly cert: string; readonly key: string };
  readonly images: Record<
    string,
    { readonly reference: string; readonly size: number; readonly base: number }
  >;
}

interface Started {
  readonly name: string;
  readonly run: ContainerRun;
  readonly port: number;
  readonly coldStartMs: number;
}

const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
const network = `ragchat-images-${suffix}`;
const names = {
  backend: `ragchat-backend-${suffix}`,
  frontend: `ragchat-frontend-${suffix}`,
  misnamedDatabase: `ragchat-backend-misnamed-db-${suffix}`,
};
const ENVIRONMENT = 'staging';
const outputsText = synthesizedDeployOutputs(ENVIRONMENT);
const outputs = parseDeployOutputs(outputsText, `the synthesized ${ENVIRONMENT} stack`);
const secretArn = (name: string): string => {
  const arn = outputs.secrets[name];
  if (arn === undefined) throw new Error(`The deploy outputs have no secrets.${name}`);
  return arn;
};
const dbPassword = randomBytes(18).toString('base64url');
const secretValues = new Map([[secretArn('adminTokenSecretArn'), randomBytes(24).toString('base64url')]]);

let build: BuildResult;
let podman: Podman;
let aws: FakeAws;
let database: PostgresServer | undefined;
let workDir: string;
let tlsDir: string | undefined;
let collector: OtlpReceiver | undefined;
let gateway: string;
let ssm: string;
let keyServer: Server | undefined;
/** `x-amzn-oidc-data` of a signed-in user, as the staging load balancer would forward it. */
let signedIn: () => string;
let backendLocal: RegisterTaskDefinitionCommandInput;
let frontendTraced: RegisterTaskDefinitionCommandInput;
const production: Partial<Record<Service, RegisterTaskDefinitionCommandInput>> = {};
const started: Partial<Record<Service, Started>> = {};

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ragchat-images-test-'));
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, '.ci', 'images', 'build.mjs'), '--json'], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  build = JSON.parse(stdout.trim().split('\n').pop() ?? '') as BuildResult;
  podman = new Podman(build.podmanEnv);

  await podman.run(['network', 'create', network]);
  const [subnet] = await podman.inspect<{ subnet: string; gateway: string }[]>(network, '.Subnets');
  if (subnet === undefined) throw new Error(`podman network ${network} has no subnet`);
  database = await startTlsDatabase(subnet.subnet);
  secretValues.set(
    secretArn('databaseSecretArn'),
    // The shape of an RDS-managed secret (engine, host, port, dbname, username, password).
    JSON.stringify({
      engine: 'postgres',
      host: DB_HOST,
      port: database.port,
      dbname: 'ragchat',
      username: DB_USER,
      password: dbPassword,
    }),
  );

  aws = new FakeAws({
    GetParameter: (parameter) =>
      parameter.Name === `/ragchat/${outputs.environment}/deploy-outputs`
        ? { body: { Parameter: { Name: parameter.Name, Type: 'String', Value: outputsText } } }
        : { error: 'ParameterNotFound', message: String(parameter.Name) },
  });
  ssm = await aws.start();
  for (const service of ['backend', 'frontend'] as const) {
    production[service] = await render(ssm, service, '');
  }

  gateway = subnet.gateway;
  const keyEndpoint = await startKeyServer(gateway);
  const signIn = environmentOf(trafficContainer(production.backend, 'backend'));
  signedIn = () =>
    mintAlbToken({
      key: signingKey,
      header: { signer: signIn.SIGNIN_ALB_ARN, iss: signIn.SIGNIN_ISSUER, client: signIn.SIGNIN_CLIENT_ID },
      claims: { sub: 'images-test-user', email: 'images@example.com', iss: signIn.SIGNIN_ISSUER },
      expiresInSeconds: 3600,
    });
  // Reached from the containers through the network's gateway, as the database is.
  collector = await startOtlpReceiver('0.0.0.0');
  const collectorUrl = `http://${gateway}:${collector.port}`;
  backendLocal = await render(ssm, 'backend', testRun('backend', collectorUrl, keyEndpoint));
  frontendTraced = await render(ssm, 'frontend', testRun('frontend', collectorUrl, keyEndpoint));
  const backendUrl = new URL(
    environmentOf(trafficContainer(production.frontend, 'frontend')).BACKEND_URL ?? '',
  );
  started.backend = await startContainer('backend', backendLocal, {
    aliases: [backendUrl.hostname],
    hosts: { [DB_HOST]: subnet.gateway },
  });
  started.frontend = await startContainer('frontend', frontendTraced, {});
});

afterAll(async () => {
  if (podman !== undefined) {
    for (const name of Object.values(names))
      await podman.run(['rm', '--force', '--time=0', name]).catch(() => '');
    await podman.run(['network', 'rm', '--force', network]).catch(() => '');
  }
  await aws?.stop();
  keyServer?.closeAllConnections();
  await new Promise((resolve) => (keyServer ? keyServer.close(resolve) : resolve(undefined)));
  await collector?.close();
  await database?.stop();
  for (const dir of [workDir, tlsDir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the container images, run from rendered task definitions', () => {
  it("turn healthy by the task definitions' own health checks", async () => {
    for (const service of ['backend', 'frontend'] as const) {
      const { name, coldStartMs } = started[service]!;
      expect(await podman.inspect<string>(name, '.State.Health.Status')).toBe('healthy');
      if (service === 'backend') expect(await podman.logs(name)).toContain('"database":"postgres"');
      const image = build.images[`ragchat/${service}`]!;
      process.stdout.write(
        `images: ${service} healthy ${coldStartMs} ms after podman run; image ${(image.size / 1e6).toFixed(0)} MB (Node base ${(image.base / 1e6).toFixed(0)} MB)\n`,
      );
    }
  });

  it('refuse a request without a sign-in token: sign-in is on in the rendered task definitions', async () => {
    for (const service of ['frontend', 'backend'] as const) {
      const answer = (await unsignedQuery(started[service]!.port, JSON.stringify({ query: QUESTION }))) as {
        status: number;
        body: { error?: { code?: string } };
      };
      expect({ service, status: answer.status, code: answer.body.error?.code }).toEqual({
        service,
        status: 401,
        code: 'unauthorized',
      });
    }
  });

  it('answer a question through the frontend with a streamed, cited answer', async () => {
    const events = await askStreaming(started.frontend!.port);
    const sources = events.find((event) => event.event === 'sources')?.data as { sources: unknown[] };
    expect(sources.sources.length).toBeGreaterThan(0);
    const tokens = events.filter((event) => event.event === 'token');
    expect(tokens.length).toBeGreaterThan(0);
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    expect(done?.data).toEqual(expect.objectContaining({ answer: expect.stringMatching(/\[1\]/) }));
  });

  it('export the spans of that question, frontend → backend → retrieval → PostgreSQL, in one trace', async () => {
    const spans = collector!.spans;
    // Health checks are traced too; the question's trace is the one with a retrieval span.
    const question = () => {
      const traceId = spans.find((span) => span.name === 'retrieval')?.traceId;
      return spans.filter((span) => span.traceId === traceId);
    };
    // The batch span processor exports every 5 s.
    await waitFor(
      async () => question().some((span) => span.service === 'ragchat-frontend'),
      30_000,
      'the spans of the question at the collector stand-in',
      async () => JSON.stringify(spans.map(({ service, name }) => `${service} ${name}`)),
    );
    const trace = question();
    expect(new Set(trace.map((span) => span.service))).toEqual(
      new Set(['ragchat-frontend', 'ragchat-backend']),
    );
    const queries = trace.filter((span) => span.attributes['db.system.name'] === 'postgresql');
    expect(queries.map((span) => span.service)).toContain('ragchat-backend');
  });

  it('run the services as a non-root user on a read-only root filesystem', async () => {
    for (const service of ['backend', 'frontend'] as const) {
      const { name } = started[service]!;
      const pid = await podman.inspect<number>(name, '.State.Pid');
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const [, real, effective] = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status) ?? [];
      expect({ service, real, effective }).toEqual({ service, real: '1000', effective: '1000' });
      const writable = await podman.run([
        'exec',
        name,
        'node',
        '-e',
        'const fs = require("fs"); console.log(["/", "/tmp", "/app"].filter((dir) => { try { fs.writeFileSync(dir + "/probe", ""); return true; } catch (error) { if (error.code !== "EROFS") throw error; return false; } }).join(","))',
      ]);
      expect({ service, writable }).toEqual({ service, writable: '' });
    }
  });

  it('set no environment variable the services do not read', async () => {
    const unread: Record<string, string[]> = {};
    for (const service of ['backend', 'frontend'] as const) {
      const container = trafficContainer(production[service], service);
      const image = build.images[`ragchat/${service}`]!.reference;
      const { environment } = podmanRunArguments(container, runContext(service));
      unread[service] = await unreadVariables(podman, image, CONFIG_MODULES[service], environment);
    }
    expect(unread).toEqual({ backend: [], frontend: [] });
  });

  it('would catch a misspelt variable in a task definition', async () => {
    const misspelt = await render(ssm, 'backend', 'backend.LOG_LEVLE=debug');
    const container = trafficContainer(misspelt, 'backend');
    const { environment } = podmanRunArguments(container, runContext('backend'));
    const image = build.images['ragchat/backend']!.reference;
    expect(await unreadVariables(podman, image, CONFIG_MODULES.backend, environment)).toEqual(['LOG_LEVLE']);
  });

  it('refuse a database whose certificate does not name the host in DB_SECRET (verify-full)', async () => {
    const otherName = 'db.not-in-the-certificate.test';
    const secret = JSON.parse(secretValues.get(secretArn('databaseSecretArn')) ?? '{}');
    const secrets = new Map(secretValues);
    secrets.set(secretArn('databaseSecretArn'), JSON.stringify({ ...secret, host: otherName }));
    const container = trafficContainer(backendLocal, 'backend');
    const misnamed = podmanRunArguments(container, {
      ...runContext('backend', { hosts: { [otherName]: gateway } }),
      name: names.misnamedDatabase,
      secrets,
    });
    await podman.run(misnamed.args, misnamed.environment);
    await waitFor(
      async () => !(await podman.inspect<boolean>(names.misnamedDatabase, '.State.Running')),
      60_000,
      'the backend to give up on the misnamed database',
    );
    expect(await podman.inspect<number>(names.misnamedDatabase, '.State.ExitCode')).toBe(1);
    expect(await podman.logs(names.misnamedDatabase)).toMatch(/altnames|does not match certificate/i);
  });

  // Last: it stops both containers. The frontend goes first, as its answers need the backend.
  it('finish a request in flight on SIGTERM and exit 0 within the stop timeout', async () => {
    for (const service of ['frontend', 'backend'] as const) {
      const { name, port, run: containerRun } = started[service]!;
      const body = JSON.stringify({ query: QUESTION });
      const response = slowQuery(port, body, signedIn());
      await response.received;
      const stopping = Date.now();
      // `podman stop --time` is what ECS does: SIGTERM, then SIGKILL once the stop timeout passes.
      const stopped = podman.run(['stop', '--time', String(containerRun.stopTimeoutS), name]);
      await waitFor(
        async () => (await podman.logs(name)).includes('shutting down'),
        10_000,
        `${name} shutting down`,
      );
      response.finish();
      const answer = (await response.result) as { status: number; body: { answer?: string } };
      expect({ service, status: answer.status }).toEqual({ service, status: 200 });
      expect(answer.body.answer).toMatch(/\[1\]/);
      await stopped;
      const stopMs = Date.now() - stopping;
      expect({ service, exitCode: await podman.inspect<number>(name, '.State.ExitCode') }).toEqual({
        service,
        exitCode: 0,
      });
      expect(stopMs).toBeLessThan(containerRun.stopTimeoutS * 1000);
    }
  });
});

let renders = 0;

/** Runs the shipped render-deployment bundle as the deploy workflow does, deploy outputs from SSM. */
async function render(endpoint: string, service: Service, environmentVariables: string) {
  const image = build.images[`ragchat/${service}`]!.reference;
  renders += 1;
  const out = join(workDir, `${service}-${renders}`);
  const result = await runDist(RENDER, {
    cwd: REPO_ROOT,
    inputs: {
      environment: outputs.environment,
      service,
      images: `${service}=${image}`,
      'environment-variables': environmentVariables,
      'output-dir': out,
    },
    env: { AWS_ENDPOINT_URL_SSM: endpoint },
  });
  if (result.code !== 0) throw new Error(`render-deployment ${service} failed: ${result.errors.join('; ')}`);
  return JSON.parse(await readFile(join(out, 'taskdef.json'), 'utf8')) as RegisterTaskDefinitionCommandInput;
}

function trafficContainer(
  taskDefinition: RegisterTaskDefinitionCommandInput | undefined,
  service: Service,
): ContainerDefinition {
  const name = serviceOutputs(outputs, service).containerName;
  const container = taskDefinition?.containerDefinitions?.find((candidate) => candidate.name === name);
  if (container === undefined) throw new Error(`The ${service} task definition has no container ${name}`);
  return container;
}

function environmentOf(container: ContainerDefinition): Record<string, string> {
  return Object.fromEntries(
    (container.environment ?? []).map(({ name, value }) => [name ?? '', value ?? '']),
  );
}

function runContext(service: Service, extra: { aliases?: string[]; hosts?: Record<string, string> } = {}) {
  return {
    name: names[service],
    secrets: secretValues,
    memoryMiB: Number(serviceOutputs(outputs, service).memory),
    network,
    ...extra,
  };
}

async function startContainer(
  service: Service,
  taskDefinition: RegisterTaskDefinitionCommandInput,
  extra: { aliases?: string[]; hosts?: Record<string, string> },
): Promise<Started> {
  const container = trafficContainer(taskDefinition, service);
  const containerRun = podmanRunArguments(container, runContext(service, extra));
  const startedAt = Date.now();
  // Values travel in podman's own environment (`--env NAME`), so secrets stay off the command line.
  await podman.run(containerRun.args, containerRun.environment);
  const check = container.healthCheck!;
  // ECS replaces a task whose check still fails after the start period plus every retry.
  const deadlineMs = ((check.startPeriod ?? 0) + (check.interval ?? 30) * (check.retries ?? 3)) * 1000;
  await waitFor(
    () => podman.succeeds(['healthcheck', 'run', names[service]]),
    deadlineMs,
    `${service} healthy`,
    async () => podman.logs(names[service]),
  );
  const coldStartMs = Date.now() - startedAt;
  const port = await podman.hostPort(names[service], serviceOutputs(outputs, service).containerPort);
  return { name: names[service], run: containerRun, port, coldStartMs };
}

/** PostgreSQL over TLS only for the container network, with a certificate the test CA issued. */
async function startTlsDatabase(subnet: string): Promise<PostgresServer> {
  // Its own directory: the server, which runs as `postgres`, must be able to reach the files.
  const dir = await mkdtemp(join(tmpdir(), 'ragchat-images-db-tls-'));
  tlsDir = dir;
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const extensions = join(dir, 'san.cnf');
  await writeFile(extensions, `subjectAltName=DNS:${DB_HOST}\n`);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${DB_HOST}`,
    '-keyout',
    key,
    '-out',
    csr,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    build.testCa.cert,
    '-CAkey',
    build.testCa.key,
    '-CAcreateserial',
    '-CAserial',
    join(dir, 'ca.srl'),
    '-days',
    '2',
    '-extfile',
    extensions,
    '-out',
    cert,
  ]);
  if (process.getuid?.() === 0) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    for (const file of [dir, key, cert]) await chown(file, uid, gid);
  }
  await run('chmod', ['600', key]);
  const server = await startPostgresServer(DEBIAN_INSTALLATION, {
    settings: { listen_addresses: '0.0.0.0', ssl: 'on', ssl_cert_file: cert, ssl_key_file: key },
    // As RDS: TLS and a password; the superuser stays loopback-only.
    hba: [`hostssl all ${DB_USER} ${subnet} scram-sha-256`],
  });
  const psql = join(DEBIAN_INSTALLATION.binDir, 'psql');
  await run(psql, [
    server.url,
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `CREATE ROLE ${DB_USER} LOGIN SUPERUSER PASSWORD '${dbPassword}'`,
    '-c',
    `CREATE DATABASE ragchat OWNER ${DB_USER}`,
  ]);
  return server;
}

/** Serves the signing key's public PEM at `/<kid>`, as the key proxy does; returns SIGNIN_KEY_ENDPOINT. */
async function startKeyServer(host: string): Promise<string> {
  keyServer = createServer((req, res) => {
    const kid = decodeURIComponent((req.url ?? '/').slice(1));
    if (kid !== signingKey.kid) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(signingKey.publicPem);
  });
  // On every address: the podman bridge (the gateway the containers reach) appears only once a container joins it.
  await new Promise<void>((resolve, reject) => {
    keyServer?.once('error', reject);
    keyServer?.listen(0, '0.0.0.0', resolve);
  });
  return `http://${host}:${(keyServer.address() as AddressInfo).port}`;
}

interface ServerEvent {
  readonly event: string;
  readonly data: unknown;
}

function askStreaming(port: number): Promise<ServerEvent[]> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/query',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'x-amzn-oidc-data': signedIn(),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text}`));
          resolve(
            text
              .split('\n\n')
              .filter((block) => block.trim() !== '')
              .map((block) => ({
                event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message',
                data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'),
              })),
          );
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query: QUESTION }));
  });
}

/** A POST /api/query on its own connection (no keep-alive socket of an earlier test is reused). */
function postQuery(port: number, body: string, headers: Record<string, string>) {
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/query',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    },
  });
  const result = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') }));
    });
    req.on('error', reject);
  });
  return { req, result };
}

/** A query without a sign-in token, sent whole. */
function unsignedQuery(port: number, body: string) {
  const { req, result } = postQuery(port, body, {});
  req.end(body);
  return result;
}

/**
 * A signed-in query whose body arrives in two parts, so the request is in flight until `finish()`.
 * `received` resolves on the server's `100 Continue`: proof that the server has parsed the request,
 * so its shutdown counts it as in flight. The client's own write callback proves only that the
 * kernel took the bytes; a connection the server has not read yet is idle to it, and closed.
 */
function slowQuery(port: number, body: string, token: string) {
  const half = Math.floor(body.length / 2);
  const { req, result } = postQuery(port, body, { expect: '100-continue', 'x-amzn-oidc-data': token });
  const received = new Promise<void>((resolve) =>
    req.once('continue', () => req.write(body.slice(0, half), () => resolve())),
  );
  req.flushHeaders();
  return { received, result, finish: () => received.then(() => req.end(body.slice(half))) };
}

async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  diagnose: () => Promise<string> = async () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\n${await diagnose()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
