import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the load balancer's side of sign-in: an ES256 key pair, a key endpoint that serves
 * the public key as PEM at `/<kid>` (like https://public-keys.auth.elb.<region>.amazonaws.com), and
 * a minter for `x-amzn-oidc-data` tokens shaped as the ALB documents them: the header carries
 * alg, kid, signer, iss, client and exp; the payload the user's claims.
 */
export const TEST_ALB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/ragchat-test/50dc6c495c0c9188';
export const OTHER_ALB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/someone-else/0123456789abcdef';
export const TEST_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST';
export const TEST_CLIENT_ID = 'ragchat-test-client';

export interface SignerKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicPem: string;
}

export interface MintOptions {
  readonly key?: SignerKey;
  /** Header fields to override or add (alg, signer, exp, ...). */
  readonly header?: Record<string, unknown>;
  /** Payload claims to override or add (sub, email, exp, groups, ...). */
  readonly claims?: Record<string, unknown>;
  /** Seconds from now; negative mints an expired token. */
  readonly expiresInSeconds?: number;
}

export interface AlbSigner {
  /** The key endpoint's base URL: SIGNIN_KEY_ENDPOINT. */
  readonly keyEndpoint: string;
  readonly key: SignerKey;
  /** Key ids the endpoint was asked for, in order. */
  readonly requestedKids: string[];
  mint(options?: MintOptions): string;
  close(): Promise<void>;
}

export function newSignerKey(): SignerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: randomUUID(),
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export async function startAlbSigner(): Promise<AlbSigner> {
  const key = newSignerKey();
  const requestedKids: string[] = [];
  const server: Server = createServer((request, response) => {
    const kid = decodeURIComponent((request.url ?? '/').slice(1));
    requestedKids.push(kid);
    if (kid !== key.kid) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end(key.publicPem);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    keyEndpoint: `http://127.0.0.1:${port}`,
    key,
    requestedKids,
    mint: (options = {}) => mintAlbToken({ key, ...options }),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function mintAlbToken(options: MintOptions & { key: SignerKey }): string {
  const exp = Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 120);
  const header = {
    typ: 'JWT',
    alg: 'ES256',
    kid: options.key.kid,
    signer: TEST_ALB_ARN,
    iss: TEST_ISSUER,
    client: TEST_CLIENT_ID,
    exp,
    ...options.header,
  };
  const payload = {
    sub: 'user-1234',
    email: 'ada@example.com',
    exp,
    iss: TEST_ISSUER,
    ...options.claims,
  };
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = createSign('SHA256')
    .update(signingInput)
    .sign({ key: options.key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** A token whose header says `alg: none` and carries no signature (the classic bypass attempt). */
export function unsignedToken(key: SignerKey, claims: Record<string, unknown> = {}): string {
  const exp = Math.floor(Date.now() / 1000) + 120;
  const header = { typ: 'JWT', alg: 'none', kid: key.kid, signer: TEST_ALB_ARN, iss: TEST_ISSUER, exp };
  return `${encode(header)}.${encode({ sub: 'user-1234', exp, iss: TEST_ISSUER, ...claims })}.`;
}

/** Changes the payload of a validly signed token, keeping its signature. */
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
