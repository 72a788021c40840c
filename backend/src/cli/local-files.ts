import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { SUPPORTED_EXTENSIONS } from '../ingest/formats/detect-format';
import { UsageError } from './ingest-options';

export interface LocalFile {
  readonly path: string;
  /** The document's source: the path from the named folder's parent, with forward slashes. */
  readonly source: string;
  readonly bytes: number;
}

export interface FileScan {
  readonly files: LocalFile[];
  /** Source prefixes of the named folders (`docs/`): --prune only looks inside them. */
  readonly folders: string[];
}

/**
 * Finds the supported files under the given paths (relative ones resolve against `cwd`), sorted by
 * source. Hidden files and folders (`.git`, `.DS_Store`) are skipped, symlinks are not followed.
 */
export async function scanPaths(paths: readonly string[], cwd: string): Promise<FileScan> {
  const files = new Map<string, LocalFile>();
  const folders: string[] = [];
  for (const given of paths) {
    const absolute = resolve(cwd, given);
    const info = await stat(absolute).catch(() => undefined);
    if (info === undefined) throw new UsageError(`${given}: no such file or folder`);
    const base = dirname(absolute);
    if (info.isDirectory()) {
      folders.push(`${toSource(relative(base, absolute))}/`);
      for await (const path of walk(absolute)) add(files, path, base);
    } else if (isSupported(absolute)) {
      add(files, absolute, base);
    } else {
      throw new UsageError(`${given}: not a supported type (${SUPPORTED_EXTENSIONS.join(', ')})`);
    }
  }
  const sorted = [...files.values()].sort((left, right) => left.source.localeCompare(right.source));
  return {
    files: await Promise.all(sorted.map(async (file) => ({ ...file, bytes: (await stat(file.path)).size }))),
    folders,
  };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function* walk(folder: string): AsyncGenerator<string> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((left, right) => left.name.localeCompare(right.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() && isSupported(path)) yield path;
  }
}

function add(files: Map<string, LocalFile>, path: string, base: string): void {
  const source = toSource(relative(base, path)) || basename(path);
  files.set(source, { path, source, bytes: 0 });
}

function isSupported(path: string): boolean {
  return SUPPORTED_EXTENSIONS.includes(extname(path).toLowerCase());
}

function toSource(path: string): string {
  return path.split(sep).join('/');
}
