export interface IngestOptions {
  readonly paths: readonly string[];
  readonly backendUrl: URL;
  readonly token: string | undefined;
  readonly concurrency: number;
  readonly prune: boolean;
  readonly dryRun: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run ingest -- [options] <files or folders...>

Uploads every supported file (PDF, DOCX, HTML, Markdown, text) to the backend. A document's source
is the file's path from the folder you name (docs/guide.md for "docs"); files whose bytes are
already stored under that source are skipped.

Options:
  --url <url>          Backend URL (env BACKEND_URL, default http://127.0.0.1:8000)
  --token <token>      Admin token (env ADMIN_TOKEN; not needed for a local npm start)
  --concurrency <n>    Files uploaded at once, 1-32 (default 8)
  --prune              Delete documents under the named folders whose files are gone
  --dry-run            List what would change, change nothing
  --help               Show this help`;

const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8000';
/**
 * Files in flight: at 4 the CLI reached 82-84% of the database bound (two runs, 12:24 and 12:31 UTC),
 * at 8 it keeps the database busy while other uploads are in HTTP and extraction (BENCHMARKS.md).
 */
export const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 32;

/** Flags override the environment; every bad value is a UsageError naming the flag. */
export function parseIngestOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): IngestOptions | 'help' {
  const paths: string[] = [];
  let url = env.BACKEND_URL?.trim() || DEFAULT_BACKEND_URL;
  let token = env.ADMIN_TOKEN?.trim() || undefined;
  let concurrency = DEFAULT_CONCURRENCY;
  let prune = false;
  let dryRun = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    const value = () => {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${argument} needs a value`);
      index += 1;
      return next;
    };
    if (argument === '--help' || argument === '-h') return 'help';
    else if (argument === '--url') url = value();
    else if (argument === '--token') token = value();
    else if (argument === '--concurrency') {
      const raw = value();
      concurrency = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!(concurrency >= 1 && concurrency <= MAX_CONCURRENCY)) {
        throw new UsageError(
          `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got "${raw}"`,
        );
      }
    } else if (argument === '--prune') prune = true;
    else if (argument === '--dry-run') dryRun = true;
    else if (argument.startsWith('--')) throw new UsageError(`unknown option ${argument}`);
    else paths.push(argument);
  }
  if (paths.length === 0) throw new UsageError('name at least one file or folder');
  let backendUrl: URL;
  try {
    backendUrl = new URL(url);
  } catch {
    throw new UsageError(`--url / BACKEND_URL must be an http(s) URL, got "${url}"`);
  }
  if (backendUrl.protocol !== 'http:' && backendUrl.protocol !== 'https:') {
    throw new UsageError(`--url / BACKEND_URL must be an http(s) URL, got "${url}"`);
  }
  return { paths, backendUrl, token, concurrency, prune, dryRun };
}
