import type { Context, Middleware } from 'koa';
import { pathWithinBase } from './base-path';
import type { StaticAsset, StaticAssets } from './static-assets';

/** Serves the chat page at `<base>/` and its files at `<base>/assets/<name>`. */
export function staticRoutes(assets: StaticAssets, basePath: string): Middleware {
  return async (ctx, next) => {
    const route = pathWithinBase(ctx.path, basePath);
    if (route === undefined || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    if (route === '') {
      // Relative URLs on the page only resolve under the base path with its trailing slash.
      ctx.status = 308;
      ctx.redirect(`${basePath}/${ctx.search}`);
      return;
    }
    if (route === '/' || route === '/index.html') return send(ctx, assets.page);
    const name = route.startsWith('/assets/') ? route.slice('/assets/'.length) : undefined;
    const asset = name === undefined ? undefined : assets.files.get(name);
    if (asset === undefined) return next();
    send(ctx, asset);
  };
}

function send(ctx: Context, asset: StaticAsset): void {
  ctx.set('Cache-Control', asset.cacheControl);
  ctx.set('ETag', asset.etag);
  ctx.vary('Accept-Encoding');
  ctx.type = asset.contentType;
  if (ctx.get('If-None-Match') === asset.etag) {
    ctx.status = 304;
    return;
  }
  const encoding = ctx.acceptsEncodings('br', 'gzip', 'identity');
  if (encoding === 'br') {
    ctx.set('Content-Encoding', 'br');
    ctx.body = asset.brotli;
  } else if (encoding === 'gzip') {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = asset.gzip;
  } else {
    ctx.body = asset.body;
  }
}
