import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../errors';
import type { AppState } from './state';

/**
 * Who is asking (contracts.md, issue 13). This is the minimal version for local mode only: the
 * signin branch owns this file and replaces it with the signed-in identity.
 */
export interface Identity {
  /** Stable user id: ALB token `sub`, 'local' in local mode, 'automation' for the bearer token. */
  readonly subject: string;
  readonly email?: string;
  readonly groups: readonly string[];
  /** May manage documents, export feedback. */
  readonly admin: boolean;
}

export const LOCAL_IDENTITY: Identity = { subject: 'local', groups: [], admin: true };
export const AUTOMATION_IDENTITY: Identity = { subject: 'automation', groups: [], admin: true };

/** Sets `ctx.state.identity` before any route: the bearer ADMIN_TOKEN is automation, anyone else local. */
export function identify(options: { readonly adminToken: string }): Middleware<AppState> {
  const expected = digest(options.adminToken);
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
    const automation = match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
    Object.assign(ctx.state, { identity: automation ? AUTOMATION_IDENTITY : LOCAL_IDENTITY });
    await next();
  };
}

/** 401 without an identity, 403 unless it is an admin. */
export function requireAdmin(): Middleware<AppState> {
  return async (ctx, next) => {
    const identity: Identity | undefined = ctx.state.identity;
    if (identity === undefined) throw new AppError(401, 'unauthorized', 'Sign in to use this route');
    if (!identity.admin) throw new AppError(403, 'forbidden', 'Only administrators may use this route');
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
