import { createHash, createSign, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { ALB_TOKEN_HEADER } from '@ragchat/backend/service-kit';
import { NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Context, Middleware } from 'koa';
import { pathWithinBase } from './base-path';
import { AppError } from './errors';

/**
 * Local sign-in (SIGNIN_MODE=local) lets sign-in be tried on one machine: this server plays the
 * load balancer. It makes an ES256 key pair at start, serves the public key like the regional
 * ELB key service (`<base>/local-sign-in/keys/<kid>`, a PEM), shows a sign-in form, keeps who
 * signed in in a cookie, and on every request mints a fresh `x-amzn-oidc-data` token from it,
 * shaped like the ALB's. Everything after it — verification here and in the backend — is the
 * production path.
 */

/** The load balancer local tokens name as `signer`; the backend's SIGNIN_ALB_ARN in local sign-in. */
export const LOCAL_ALB_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/ragchat-local/0000000000000000';
export const LOCAL_ISSUER = 'https://ragchat.local/sign-in';
export const LOCAL_SIGN_IN_PATH = '/local-sign-in';
export const LOCAL_KEYS_PATH = `${LOCAL_SIGN_IN_PATH}/keys`;
const COOKIE = 'ragchat-local-sign-in';
/** The ALB's tokens are short-lived too; a fresh one is minted on every request. */
const TOKEN_LIFETIME_SECONDS = 60;
const MAX_FORM_BYTES = 4096;

export interface LocalSession {
  readonly email: string;
  readonly groups: readonly string[];
}

export interface LocalSigner {
  readonly kid: string;
  readonly publicPem: string;
  mint(session: LocalSession, nowMs?: number): string;
}

export function createLocalSigner(): LocalSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  return {
    kid,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    mint: (session, nowMs = Date.now()) => mint(privateKey, kid, session, nowMs),
  };
}

function mint(privateKey: KeyObject, kid: string, session: LocalSession, nowMs: number): string {
  const exp = Math.floor(nowMs / 1000) + TOKEN_LIFETIME_SECONDS;
  const header = {
    typ: 'JWT',
    alg: 'ES256',
    kid,
    signer: LOCAL_ALB_ARN,
    iss: LOCAL_ISSUER,
    client: 'ragchat-local',
    exp,
  };
  const payload = {
    sub: `local-${createHash('sha256').update(session.email.toLowerCase()).digest('hex').slice(0, 16)}`,
    email: session.email,
    'cognito:groups': session.groups,
    exp,
    iss: LOCAL_ISSUER,
  };
  const input = `${base64url(header)}.${base64url(payload)}`;
  const signature = createSign('SHA256').update(input).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The public key by id, for the verifier's fetcher: the in-memory twin of the key endpoint. */
export function localKeyFetcher(signer: LocalSigner, keyEndpoint: string) {
  return async (uri: string): Promise<ArrayBuffer> => {
    if (uri !== `${keyEndpoint}/${signer.kid}`) throw new NonRetryableFetchError(uri, 'unknown key id');
    const bytes = Buffer.from(signer.publicPem);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  };
}

/**
 * The local load balancer: key endpoint, sign-in form and cookie, and the token on each request.
 * A request without the cookie keeps whatever token it brought, so tests can send forged ones.
 */
export function localSignIn(signer: LocalSigner, basePath: string): Middleware {
  return async (ctx, next) => {
    const route = pathWithinBase(ctx.path, basePath);
    if (route === `${LOCAL_KEYS_PATH}/${signer.kid}` && ctx.method === 'GET') {
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.type = 'text/plain';
      ctx.body = signer.publicPem;
      return;
    }
    if (route === LOCAL_SIGN_IN_PATH) {
      if (ctx.method === 'GET') return showForm(ctx, basePath);
      if (ctx.method === 'POST') return signIn(ctx, basePath);
    }
    const session = readSession(ctx.cookies.get(COOKIE));
    if (session !== undefined) ctx.req.headers[ALB_TOKEN_HEADER] = signer.mint(session);
    await next();
  };
}

export function isLocalSignInRoute(route: string): boolean {
  return route === LOCAL_SIGN_IN_PATH || route.startsWith(`${LOCAL_KEYS_PATH}/`);
}

function showForm(ctx: Context, basePath: string): void {
  const next = safeNext(String(ctx.query.next ?? ''), basePath);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>ragchat: local sign-in</title></head>
  <body>
    <main>
      <h1>Local sign-in (testing only)</h1>
      <p>This server plays the load balancer: it signs you in with its own key pair, made at start.</p>
      <form method="post" action="${basePath}${LOCAL_SIGN_IN_PATH}">
        <input type="hidden" name="next" value="${escapeHtml(next)}" />
        <p><label for="email">Email</label> <input id="email" name="email" type="email" required value="dev@example.com" /></p>
        <p><label for="groups">Groups (comma-separated)</label> <input id="groups" name="groups" value="ragchat-admins" /></p>
        <p><button type="submit">Sign in</button></p>
      </form>
    </main>
  </body>
</html>`;
}

async function signIn(ctx: Context, basePath: string): Promise<void> {
  const form = new URLSearchParams(await readForm(ctx));
  const email = (form.get('email') ?? '').trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 200) {
    throw new AppError(400, 'invalid_request', 'email: enter an address like dev@example.com');
  }
  const groups = (form.get('groups') ?? '')
    .split(',')
    .map((group) => group.trim())
    .filter((group) => /^[\w.:-]{1,64}$/.test(group));
  ctx.cookies.set(COOKIE, base64url({ email, groups }), {
    httpOnly: true,
    sameSite: 'lax',
    path: `${basePath}/`,
    overwrite: true,
  });
  ctx.status = 303;
  ctx.redirect(safeNext(form.get('next') ?? '', basePath));
}

async function readForm(ctx: Context): Promise<string> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError(
      415,
      'unsupported_media_type',
      'Send the sign-in form as application/x-www-form-urlencoded',
    );
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new AppError(413, 'payload_too_large', 'The sign-in form is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readSession(cookie: string | undefined): LocalSession | undefined {
  if (cookie === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const email = Reflect.get(value, 'email');
    const groups = Reflect.get(value, 'groups');
    if (typeof email !== 'string' || !Array.isArray(groups)) return undefined;
    return { email, groups: groups.filter((group): group is string => typeof group === 'string') };
  } catch {
    return undefined;
  }
}

/** Only paths under the base path: the form must not become an open redirect. */
function safeNext(next: string, basePath: string): string {
  return next.startsWith(`${basePath}/`) && !next.startsWith('//') && !next.includes('\\')
    ? next
    : `${basePath}/`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
