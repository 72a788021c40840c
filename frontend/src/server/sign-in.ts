import { ALB_TOKEN_HEADER, type AlbTokenVerifier } from '@ragchat/backend/service-kit';
import type { Middleware } from 'koa';
import { pathWithinBase } from './base-path';
import { AppError } from './errors';
import { isLocalSignInRoute, LOCAL_SIGN_IN_PATH } from './local-sign-in';
import type { Logger } from './logger';

export interface SignInOptions {
  readonly verify: AlbTokenVerifier;
  readonly basePath: string;
  /** Local sign-in: send a browser without a valid token to the local form instead of a 401. */
  readonly localSignIn: boolean;
  readonly logger: Logger;
}

const SIGNIN_RETRY_SECONDS = 5;

/**
 * With sign-in on, every request past /health must carry a valid ALB-signed token — the page,
 * its assets and the API alike; the backend verifies the forwarded token again on its own.
 */
export function requireSignIn(options: SignInOptions): Middleware {
  return async (ctx, next) => {
    const route = pathWithinBase(ctx.path, options.basePath);
    if (options.localSignIn && route !== undefined && isLocalSignInRoute(route)) return next();
    const token = ctx.get(ALB_TOKEN_HEADER);
    const check = token === '' ? { valid: false as const, reason: 'no token' } : await options.verify(token);
    if (check.valid === true) return next();
    if (check.valid === 'unknown') {
      options.logger.error('sign-in keys unavailable', { reason: check.reason });
      throw new AppError(503, 'signin_unavailable', 'Sign-in cannot be checked right now.', {
        retryAfterSeconds: SIGNIN_RETRY_SECONDS,
      });
    }
    if (token !== '') options.logger.info('sign-in token rejected', { path: ctx.path, reason: check.reason });
    const isApi = route === '/api' || route?.startsWith('/api/') === true;
    if (options.localSignIn && !isApi && ctx.method === 'GET') {
      ctx.redirect(`${options.basePath}${LOCAL_SIGN_IN_PATH}?next=${encodeURIComponent(ctx.originalUrl)}`);
      return;
    }
    throw new AppError(
      401,
      'unauthorized',
      token === ''
        ? 'Sign-in required: this request carries no sign-in token.'
        : 'Sign-in required: the sign-in token is not valid. Reload the page to sign in again.',
    );
  };
}
