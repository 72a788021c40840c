import { BackendClient, BackendError, type StoredDocument } from './backend-client';
import { type IngestOptions, parseIngestOptions, USAGE, UsageError } from './ingest-options';
import { type LocalFile, scanPaths, sha256File } from './local-files';
import { createProgress } from './progress';

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths start: npm sets INIT_CWD to the folder `npm run ingest` was typed in. */
  readonly cwd: string;
  readonly stdout: { write(text: string): void; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(text: string): void };
  readonly fetch?: typeof fetch;
}

type Status = 'stored' | 'replaced' | 'unchanged' | 'rejected' | 'failed' | 'deleted';
type Planned = 'store' | 'replace' | 'delete';

interface FileResult {
  readonly source: string;
  readonly status: Status;
  readonly chunks?: number;
  readonly reason?: string;
}

/** `npm run ingest`: returns the exit code (0 all good, 1 some file failed, 2 usage or backend error). */
export async function runIngest(io: CliIo): Promise<number> {
  let options: IngestOptions | 'help';
  try {
    options = parseIngestOptions(io.argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`ingest: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return await ingest(options, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof BackendError) {
      io.stderr.write(`ingest: ${error.message}\n`);
      return 2;
    }
    if (error instanceof TypeError && error.message === 'fetch failed') {
      const cause = error.cause instanceof Error ? error.cause.message : 'no answer';
      io.stderr.write(
        `ingest: cannot reach the backend at ${options.backendUrl.href} (${cause}); start it with npm start, or pass --url\n`,
      );
      return 2;
    }
    throw error;
  }
}

async function ingest(options: IngestOptions, io: CliIo): Promise<number> {
  const client = new BackendClient(options.backendUrl, options.token, io.fetch);
  const [scan, stored] = await Promise.all([scanPaths(options.paths, io.cwd), client.listSources()]);
  const results: FileResult[] = [];
  const toUpload: { file: LocalFile; plan: Planned }[] = [];
  for (const file of scan.files) {
    const existing = stored.get(file.source);
    if (existing?.fileSha256 !== undefined && existing.fileSha256 === (await sha256File(file.path))) {
      results.push({ source: file.source, status: 'unchanged' });
    } else {
      toUpload.push({ file, plan: existing === undefined ? 'store' : 'replace' });
    }
  }
  const present = new Set(scan.files.map((file) => file.source));
  const toDelete: StoredDocument[] = options.prune
    ? [...stored.values()].filter(
        (document) =>
          scan.folders.some((folder) => document.source.startsWith(folder)) && !present.has(document.source),
      )
    : [];

  if (options.dryRun) {
    for (const { file, plan } of toUpload) io.stdout.write(`would ${plan.padEnd(7)} ${file.source}\n`);
    for (const document of toDelete) io.stdout.write(`would delete  ${document.source}\n`);
    io.stdout.write(
      `dry run: ${toUpload.length} to upload, ${results.length} unchanged, ${toDelete.length} to delete; nothing was changed\n`,
    );
    return 0;
  }

  const progress = createProgress({
    totalFiles: scan.files.length + toDelete.length,
    totalBytes: toUpload.reduce((sum, { file }) => sum + file.bytes, 0),
    write: (text) => io.stdout.write(text),
    tty: io.stdout.isTTY === true,
    ...(io.stdout.columns === undefined ? {} : { columns: io.stdout.columns }),
  });
  for (const result of results) progress.fileDone(result.source, result.status, undefined);

  let next = 0;
  const worker = async () => {
    while (next < toUpload.length) {
      const { file } = toUpload[next]!;
      next += 1;
      const result = await uploadOne(client, file);
      progress.addBytes(file.bytes);
      progress.fileDone(result.source, result.status, result.chunks, result.reason);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, toUpload.length) }, worker));

  for (const document of toDelete) {
    await client.delete(document.id);
    progress.fileDone(document.source, 'deleted', undefined);
    results.push({ source: document.source, status: 'deleted' });
  }
  progress.finish();
  io.stdout.write(summaryTable(results));
  return results.some((result) => result.status === 'rejected' || result.status === 'failed') ? 1 : 0;
}

async function uploadOne(client: BackendClient, file: LocalFile): Promise<FileResult> {
  try {
    const outcome = await client.upload(file.path, file.source);
    if (outcome.status === 'rejected') {
      return { source: file.source, status: 'rejected', reason: outcome.error?.message ?? 'rejected' };
    }
    return {
      source: file.source,
      status: outcome.status,
      ...(outcome.chunks === undefined ? {} : { chunks: outcome.chunks }),
    };
  } catch (error) {
    if (error instanceof BackendError && /refused the admin request/.test(error.message)) throw error;
    return {
      source: file.source,
      status: 'failed',
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}

const STATUS_ORDER: readonly Status[] = ['stored', 'replaced', 'unchanged', 'deleted', 'rejected', 'failed'];

/** Counts per status, then every file that did not make it, with its reason. */
export function summaryTable(results: readonly FileResult[]): string {
  const rows = STATUS_ORDER.map((status) => {
    const matching = results.filter((result) => result.status === status);
    const chunks = matching.reduce((sum, result) => sum + (result.chunks ?? 0), 0);
    return [
      status,
      String(matching.length),
      status === 'stored' || status === 'replaced' ? String(chunks) : '',
    ];
  }).filter((row) => row[1] !== '0');
  const table = [['status', 'files', 'chunks'], ...rows];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column]!.length)));
  const format = (row: string[]) =>
    `${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padStart(widths[1]!)}  ${row[2]!.padStart(widths[2]!)}`.trimEnd();
  const lines = [format(table[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)];
  const failures = results.filter((result) => result.status === 'rejected' || result.status === 'failed');
  if (failures.length > 0) {
    lines.push('', 'Not ingested:');
    for (const failure of failures) lines.push(`  ${failure.source}: ${failure.reason ?? failure.status}`);
  }
  return `\n${lines.join('\n')}\n`;
}
