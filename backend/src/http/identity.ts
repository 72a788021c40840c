import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../errors';
import type { AppState } from './state';

/**
 * Who is calling (contracts.md, issue 13). This is the documents branch's minimal stand-in: the
 * signin branch owns the real one and replaces this file at merge.
 */
export interface Identity {
  readonly subject: string;
  readonly email?: string;
  readonly groups: readonly string[];
  readonly admin: boolean;
}

export interface IdentityOptions {
  readonly adminToken: string;
  /** Sign-in is off and this is a local run: whoever reaches the service is the local admin. */
  readonly localMode: boolean;
}

const AUTOMATION: Identity = { subject: 'automation', groups: [], admin: true };
const LOCAL: Identity = { subject: 'local', groups: [], admin: true };

/** Sets `ctx.state.identity`: a valid admin token is the automation identity, else the local user. */
export function identity(options: IdentityOptions): Middleware<AppState> {
  const expected = digest(options.adminToken);
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
    const found =
      match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)
        ? AUTOMATION
        : options.localMode && ctx.get('Authorization') === ''
          ? LOCAL
          : undefined;
    if (found !== undefined) Object.assign(ctx.state, { identity: found });
    await next();
  };
}

/** 401 without an identity, 403 for one that is not an admin; runs before any body is read. */
export function requireAdmin(): Middleware<AppState> {
  return async (ctx, next) => {
    const current = ctx.state.identity;
    if (current === undefined) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError(
        401,
        'unauthorized',
        'A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>',
      );
    }
    if (!current.admin) throw new AppError(403, 'forbidden', 'Only admins may do this');
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
