import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

/** One file served from memory, compressed once at start (the container's root filesystem is read-only). */
export interface StaticAsset {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
}

export interface StaticAssets {
  readonly page: StaticAsset;
  /** Keyed by file name, served at `<base>/assets/<name>`. */
  readonly files: ReadonlyMap<string, StaticAsset>;
}

/** The files the browser build writes next to `index.html`. */
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** Asset URLs carry their content hash, so browsers may keep them forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export class MissingBundleError extends Error {
  constructor(file: string) {
    super(`Browser bundle file ${file} is missing: run \`npm run build -w frontend\` first`);
    this.name = 'MissingBundleError';
  }
}

export function loadStaticAssets(directory: string, basePath: string): StaticAssets {
  const files = new Map<string, StaticAsset>();
  const urls: Record<string, string> = {};
  for (const [name, contentType] of Object.entries(ASSET_TYPES)) {
    const asset = createAsset(readBundleFile(directory, name), contentType, IMMUTABLE);
    files.set(name, asset);
    urls[name] = `${basePath}/assets/${name}?v=${asset.etag.slice(1, 13)}`;
  }
  const html = renderPage(readBundleFile(directory, 'index.html').toString('utf8'), basePath, urls);
  return { page: createAsset(Buffer.from(html), 'text/html; charset=utf-8', 'no-cache'), files };
}

function readBundleFile(directory: string, name: string): Buffer {
  const file = path.join(directory, name);
  if (!existsSync(file)) throw new MissingBundleError(file);
  return readFileSync(file);
}

/** Fills `{{basePath}}` and `{{asset:<name>}}`; both values are attribute-safe by construction. */
function renderPage(template: string, basePath: string, urls: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(basePath|asset:[\w.-]+)\}\}/g, (placeholder, key: string) => {
    if (key === 'basePath') return basePath;
    const url = urls[key.slice('asset:'.length)];
    if (url === undefined) throw new Error(`index.html names an unknown asset: ${placeholder}`);
    return url;
  });
}

function createAsset(body: Buffer, contentType: string, cacheControl: string): StaticAsset {
  return {
    body,
    gzip: gzipSync(body, { level: 9 }),
    brotli: brotliCompressSync(body),
    contentType,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    cacheControl,
  };
}
