import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';

/**
 * No inline script or style anywhere, so the policy can forbid both; `connect-src 'self'` keeps
 * the page talking only to its own proxy. Set before routing so errors and proxied responses carry it too.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

export interface SecurityHeaderOptions {
  /** 0 sends no Strict-Transport-Security. */
  readonly hstsMaxAgeSeconds: number;
  /** Believe the load balancer's X-Forwarded-Proto. */
  readonly trustProxy: boolean;
}

/**
 * HSTS only on responses that travelled over HTTPS (browsers ignore it over HTTP, and sending it
 * from a plain-HTTP local server would say nothing true). Behind the ALB, TLS ends at the load
 * balancer, which says so in X-Forwarded-Proto.
 */
export function securityHeaders(options: SecurityHeaderOptions): Middleware {
  const hsts = `max-age=${options.hstsMaxAgeSeconds}; includeSubDomains`;
  return async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    if (options.hstsMaxAgeSeconds > 0 && servedOverHttps(ctx.req, options.trustProxy)) {
      ctx.set('Strict-Transport-Security', hsts);
    }
    await next();
  };
}

function servedOverHttps(request: IncomingMessage, trustProxy: boolean): boolean {
  if ((request.socket as { encrypted?: boolean }).encrypted === true) return true;
  if (!trustProxy) return false;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
