import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The load balancer's side of sign-in for tests: a key pair, its key endpoint, and a token minter. */
export const TEST_ALB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/ragchat-test/50dc6c495c0c9188';
export const OTHER_ALB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/someone-else/0123456789abcdef';

export interface TestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicPem: string;
}

export function newTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: randomUUID(),
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface KeyEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `GET /<kid>` → PEM for the given keys, 404 otherwise, like the regional ELB key service. */
export async function startKeyEndpoint(keys: readonly TestKey[]): Promise<KeyEndpoint> {
  const server = createServer((request, response) => {
    const key = keys.find((candidate) => `/${candidate.kid}` === request.url);
    if (key === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': 'text/plain' }).end(key.publicPem);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function mintToken(
  key: TestKey,
  options: {
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
    expiresInSeconds?: number;
  } = {},
): string {
  const exp = Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 120);
  const header = {
    typ: 'JWT',
    alg: 'ES256',
    kid: key.kid,
    signer: TEST_ALB_ARN,
    iss: 'https://idp.test',
    exp,
    ...options.header,
  };
  const payload = {
    sub: 'user-1',
    email: 'ada@example.com',
    exp,
    iss: 'https://idp.test',
    ...options.claims,
  };
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = createSign('SHA256')
    .update(input)
    .sign({ key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export function unsignedToken(key: TestKey): string {
  const exp = Math.floor(Date.now() / 1000) + 120;
  return `${encode({ alg: 'none', kid: key.kid, signer: TEST_ALB_ARN, exp })}.${encode({ sub: 'user-1', exp })}.`;
}

export function tamperedToken(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  return `${header}.${encode({ ...decoded, ...claims })}.${signature}`;
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
