import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware, ParameterizedContext } from 'koa';
import type { SignInConfig } from '../config';
import { AppError } from '../errors';
import { ALB_TOKEN_HEADER, type AlbTokenVerifier, type VerifiedClaims } from '../service-kit/alb-token';
import type { AppState } from './state';

export interface Identity {
  /** Stable user id: the ALB token's `sub`, `local` in local mode, `automation` for the bearer token. */
  readonly subject: string;
  readonly email?: string;
  readonly groups: readonly string[];
  /** May manage documents, export feedback. */
  readonly admin: boolean;
}

export const LOCAL_IDENTITY: Identity = { subject: 'local', groups: [], admin: true };
export const AUTOMATION_IDENTITY: Identity = { subject: 'automation', groups: [], admin: true };
/**
 * Nobody known: a deployment with sign-in off (usable, but nobody manages documents without the
 * bearer token), and the health paths before the identity middleware has anything to check.
 */
export const ANONYMOUS_IDENTITY: Identity = { subject: 'anonymous', groups: [], admin: false };

/** Paths the ALB health checker calls without a token. */
export const UNAUTHENTICATED_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);

export interface IdentityOptions {
  readonly signIn: SignInConfig;
  readonly adminToken: string;
  /** Present when sign-in is `alb`. */
  readonly verifyToken: AlbTokenVerifier | undefined;
}

const SIGNIN_RETRY_SECONDS = 5;

/**
 * Decides who is calling and puts it on `ctx.state.identity`, before any route: the bearer
 * ADMIN_TOKEN (automation) first, then, with sign-in on, the ALB-signed token — a request with
 * neither is refused with 401 (health checks excepted). With sign-in off everyone is the local
 * user (local mode) or anonymous (a deployment).
 */
export function identify(options: IdentityOptions): Middleware<AppState> {
  const adminDigest = digest(options.adminToken);
  const { signIn } = options;
  const resolve = async (ctx: ParameterizedContext<AppState>): Promise<Identity> => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'))?.[1];
    if (bearer !== undefined) {
      if (timingSafeEqual(digest(bearer), adminDigest)) return AUTOMATION_IDENTITY;
      // A token that was sent but is wrong is a mistake to report, not a reason to fall back to the
      // local or anonymous identity (which would let a script with a stale token "succeed" locally).
      ctx.set('WWW-Authenticate', 'Bearer');
      throw unauthorized('The admin token is not valid: Authorization: Bearer <ADMIN_TOKEN>');
    }
    if (signIn.mode === 'off') return signIn.localMode ? LOCAL_IDENTITY : ANONYMOUS_IDENTITY;
    if (UNAUTHENTICATED_PATHS.has(ctx.path)) return ANONYMOUS_IDENTITY;
    return signedInIdentity(ctx.get(ALB_TOKEN_HEADER), signIn, options.verifyToken, (reason) =>
      ctx.state.log.info('sign-in token rejected', { reason }),
    );
  };
  return async (ctx, next) => {
    ctx.state = { ...ctx.state, identity: await resolve(ctx) };
    await next();
  };
}

async function signedInIdentity(
  token: string,
  signIn: Extract<SignInConfig, { mode: 'alb' }>,
  verifyToken: AlbTokenVerifier | undefined,
  logRejection: (reason: string) => void,
): Promise<Identity> {
  if (verifyToken === undefined) throw new Error('sign-in is on but no token verifier was given');
  if (token === '') throw unauthorized('Sign-in required: this request carries no sign-in token.');
  const check = await verifyToken(token);
  if (check.valid === 'unknown') {
    throw new AppError(503, 'signin_unavailable', 'Sign-in cannot be checked right now.', {
      retryAfterSeconds: SIGNIN_RETRY_SECONDS,
      expose: true,
      cause: new Error(check.reason),
    });
  }
  if (!check.valid) {
    logRejection(check.reason);
    throw unauthorized('Sign-in required: the sign-in token is not valid. Reload the page to sign in again.');
  }
  return identityFromClaims(check.claims, signIn);
}

export function identityFromClaims(
  claims: VerifiedClaims,
  signIn: Pick<Extract<SignInConfig, { mode: 'alb' }>, 'groupsClaim' | 'adminGroup'>,
): Identity {
  const groups = groupsOf(claims[signIn.groupsClaim]);
  const email = typeof claims.email === 'string' && claims.email !== '' ? claims.email : undefined;
  return {
    subject: claims.sub,
    ...(email === undefined ? {} : { email }),
    groups,
    admin: groups.includes(signIn.adminGroup),
  };
}

/** IdPs send groups as a JSON array, or as one comma- or space-separated string. */
function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((group) => group !== '');
  return [];
}

/**
 * Guards document management and other admin routes: 401 when nobody is known (an anonymous
 * deployment without the bearer token), 403 for a signed-in non-admin.
 * Runs before the body is read, so a refused request writes nothing.
 */
export function requireAdmin(): Middleware<AppState> {
  return async (ctx, next) => {
    const { identity } = ctx.state;
    if (identity.subject === ANONYMOUS_IDENTITY.subject) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw unauthorized('A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>');
    }
    if (!identity.admin) {
      throw new AppError(403, 'forbidden', 'Only members of the admin group may manage documents.');
    }
    await next();
  };
}

function unauthorized(message: string): AppError {
  return new AppError(401, 'unauthorized', message);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
