import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { DEFAULT_CONCURRENCY } from '../../src/cli/ingest-options';
import { runIngest as runIngestCli } from '../../src/cli/run-ingest';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { openDatabase } from '../../src/db/database';
import { createUsageLimiter } from '../../src/http/usage/limiter';
import type { DocumentInput } from '../../src/ingest/document-input';
import { extractMarkdown } from '../../src/ingest/formats/markdown';
import { createLogger } from '../../src/service-kit/logger';
import { createFakeProviders, FreshVectorSupply } from '../lib/fake-providers';
import { runIngest as runIngestDirect } from '../lib/ingest-run';
import { loadAverage } from '../lib/machine';
import { startPostgresTier } from '../lib/postgres-tier';
import { Prng } from '../lib/prng';
import { atLeast, Section } from '../lib/report';
import { since } from '../lib/stats';
import type { Benchmark } from './benchmark';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const TOTAL_CHUNKS = 10_000;
const CHUNKS_PER_FILE = 100;
/** The CLI's default files in flight; the bound gets as many documents in flight. */
const CLI_CONCURRENCY = DEFAULT_CONCURRENCY;
/** What the CLI must reach of the same writes made straight into the database. */
const TARGET_SHARE = 0.8;
const WORDS =
  'river stone harbour lantern meadow copper signal orchard bridge canvas valley ember quartz'.split(' ');

/**
 * A first import of a folder through `npm run ingest` (HTTP multipart, Markdown extraction,
 * chunking, embedding with a free fake embedder, writes) against a fresh PostgreSQL tier, compared
 * with the database bound: the same Markdown documents (heading paths included) written by
 * ingestDocument directly, as many documents in flight, from the same empty tables. A second run, where every file is unchanged, shows the cost of a no-op re-import.
 */
export const ingestCliBenchmark: Benchmark = {
  name: 'ingest-cli',
  title: `Folder import through the ingest CLI (${TOTAL_CHUNKS} chunks, real PostgreSQL)`,
  async run(context) {
    const section = new Section(this.name, this.title);
    const tier = await startPostgresTier();
    const workspace = await mkdtemp(join(tmpdir(), 'ragchat-bench-ingest-'));
    try {
      // Every chunk gets a vector of its own, as in the ingest benchmarks: a repeated vector is a
      // cheap HNSW insert, which made both the bound and the CLI look faster than real data would.
      const vectors = new FreshVectorSupply(context.corpus(), 11);
      const providers = createFakeProviders(vectors.take, 0);
      const files = markdownFiles(TOTAL_CHUNKS / CHUNKS_PER_FILE, CHUNKS_PER_FILE, 1);

      // The database bound: the same Markdown straight into ingestDocument, no HTTP, no CLI.
      const directDb = await openDatabase({ kind: 'postgres', connection: `${tier.url}`, poolMax: 10 });
      // Unmeasured warm-up, so neither measured run pays for a cold cluster and a cold JIT.
      await runIngestDirect(
        directDb,
        providers.embedder,
        markdownFiles(10, CHUNKS_PER_FILE, 3),
        CLI_CONCURRENCY,
        16,
        { toDocument: asMarkdownDocument },
      );
      // Each measured run starts from the same empty (but warm) tables: HNSW and GIN inserts cost
      // more as the indexes grow, so a run after the other's 10,000 rows would pay for them.
      await emptyCorpus(directDb);
      vectors.reserve(TOTAL_CHUNKS);
      const directLoad = loadAverage();
      const direct = await runIngestDirect(
        directDb,
        providers.embedder,
        markdownFiles(TOTAL_CHUNKS / CHUNKS_PER_FILE, CHUNKS_PER_FILE, 2),
        CLI_CONCURRENCY,
        16,
        { toDocument: asMarkdownDocument },
      );
      await emptyCorpus(directDb);
      await directDb.close();

      const db = await openDatabase({ kind: 'postgres', connection: tier.url, poolMax: 10 });
      const config = loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'warn', DATABASE_URL: tier.url });
      const logger = createLogger({ level: 'warn', write: () => {} });
      const usage = createUsageLimiter({ db, limits: config.usageLimits, now: Date.now, log: logger });
      const app = createApp({ config, db, providers, logger, usage });
      const server = createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await mkdir(join(workspace, 'library'));
      for (const [index, text] of files.entries()) {
        await writeFile(join(workspace, 'library', `file-${String(index).padStart(3, '0')}.md`), text);
      }
      const cli = async () => {
        let output = '';
        const started = performance.now();
        const code = await runIngestCli({
          argv: ['library', '--concurrency', String(CLI_CONCURRENCY)],
          env: { BACKEND_URL: url, ADMIN_TOKEN },
          cwd: workspace,
          stdout: {
            write: (text) => {
              output += text;
            },
          },
          stderr: { write: (text) => console.error(text) },
        });
        if (code !== 0) throw new Error(`ingest exited ${code}:\n${output.slice(-2000)}`);
        return { seconds: since(started) / 1000, output };
      };
      try {
        const storedChunks = async () =>
          ((await (await fetch(`${url}/api/stats`)).json()) as { chunks: number }).chunks;
        const before = await storedChunks();
        vectors.reserve(TOTAL_CHUNKS);
        const cliLoad = loadAverage();
        const first = await cli();
        const chunks = (await storedChunks()) - before;
        const cliRate = chunks / first.seconds;
        section.figure(
          `database bound: ingestDocument, ${CLI_CONCURRENCY} documents in flight (${direct.chunks} chunks)`,
          `${direct.chunksPerSecond.toFixed(0)} chunks/s`,
        );
        section.figure(
          `npm run ingest, first import of ${files.length} Markdown files, ${CLI_CONCURRENCY} in flight (${chunks} chunks)`,
          `${cliRate.toFixed(0)} chunks/s (${((cliRate / direct.chunksPerSecond) * 100).toFixed(0)}% of the bound), ${first.seconds.toFixed(1)} s`,
          atLeast(cliRate, Math.round(TARGET_SHARE * direct.chunksPerSecond), 'chunks/s'),
        );
        const second = await cli();
        if (!/^unchanged\s+\d+$/m.test(second.output)) throw new Error('the second run re-uploaded files');
        section.figure(`second run, all ${files.length} files unchanged`, `${second.seconds.toFixed(2)} s`);
        section.note(
          `1/5/15-minute load average at the start of each measured run: database bound ${directLoad}, CLI ${cliLoad} (the machine is shared with other engineers' work).`,
        );
        section.note(
          'Fake embedder with no latency, so the figures are our pipeline and PostgreSQL; with Bedrock the embedding calls bound ingestion instead (see ingest-e2e).',
        );
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await db.close();
      }
      return { section, environment: tier.versions };
    } finally {
      await rm(workspace, { recursive: true, force: true });
      await tier.stop();
    }
  },
};

/**
 * The same chunks the CLI's uploads become (heading paths stored and embedded with each chunk), so
 * the bound differs from the CLI run only by the CLI, HTTP, multipart and extraction.
 */
function asMarkdownDocument(content: string, index: number): DocumentInput {
  const extracted = extractMarkdown(content);
  return {
    title: extracted.title ?? `Bench document ${index}`,
    content,
    format: 'markdown',
    sections: extracted.sections,
  };
}

async function emptyCorpus(db: Database): Promise<void> {
  // TRUNCATE empties the indexes too; the lexical statistics reset with it (their truncate trigger).
  await db.knex.raw('truncate table chunks, documents cascade');
  await db.knex.raw('vacuum analyze chunks');
}

/** Files of `chunks` paragraphs (each just under the chunk size, so one chunk each) under a few headings. */
function markdownFiles(count: number, chunks: number, seed: number): string[] {
  const random = new Prng(seed);
  return Array.from({ length: count }, (_, file) => {
    const parts = [`# Bench file ${seed}-${file}`];
    for (let paragraph = 0; paragraph < chunks; paragraph += 1) {
      if (paragraph % 10 === 0) parts.push(`## Section ${paragraph / 10}`);
      let text = `Paragraph ${seed}-${file}-${paragraph}.`;
      while (text.length < 400) text += ` ${WORDS[random.int(WORDS.length)]}`;
      parts.push(`${text}.`);
    }
    return `${parts.join('\n\n')}\n`;
  });
}
