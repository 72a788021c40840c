import { readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

/** Sizes of the shipped browser files: raw, gzip -9 (the budget is 100 KB of gzipped JS) and brotli. */
export function measureBundle(directory: string) {
  return ['app.js', 'app.css', 'index.html'].map((file) => {
    const body = readFileSync(path.join(directory, file));
    return {
      file,
      rawBytes: body.length,
      gzipBytes: gzipSync(body, { level: 9 }).length,
      brotliBytes: brotliCompressSync(body).length,
    };
  });
}
