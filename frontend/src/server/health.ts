import type { Middleware } from 'koa';

/**
 * `/health` answers at the root (container and target-group checks) and under the base path
 * (what a path-prefixed load-balancer rule forwards).
 */
export function healthPaths(basePath: string): ReadonlySet<string> {
  return new Set(['/health', `${basePath}/health`]);
}

export function health(basePath: string): Middleware {
  const paths = healthPaths(basePath);
  return async (ctx, next) => {
    if (!paths.has(ctx.path) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  };
}
