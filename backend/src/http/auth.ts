import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../errors';
import type { AppState } from './state';

/**
 * Guards admin routes with `Authorization: Bearer <ADMIN_TOKEN>`. Runs before the body is read,
 * so a rejected request writes nothing. Digests are compared so the time taken reveals neither
 * the token nor its length.
 */
export function requireAdminToken(adminToken: string): Middleware<AppState> {
  const expected = digest(adminToken);
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
    if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError(
        401,
        'unauthorized',
        'A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>',
      );
    }
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
