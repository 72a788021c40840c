import { createServer, type Server } from 'node:http';
import { createApp } from './app';
import { type Config, ConfigError, loadConfig } from './config';
import { startRetentionSweeper, sweepExpiredConversations } from './conversations/retention';
import { openDatabase } from './db/database';
import { claimEmbeddingModel } from './ingest/embedding-model';
import { batchedWriter, createLogger, type Logger, logConfigError } from './observability/logger';
import { createXRayTracer, noopTracer, type Tracer } from './observability/tracing';
import { createProviders, type ServiceProviders } from './providers';
import { seedSampleCorpus } from './seed/seed-sample-corpus';

export const SERVICE_NAME = 'ragchat-backend';

/**
 * The ALB keeps idle connections for 60 s; holding ours longer means the ALB, not us, closes them,
 * so it never sends a request on a socket we are closing.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const IDLE_SWEEP_INTERVAL_MS = 100;
/** Expired conversations are few per hour; an hourly sweep keeps the delete batches small. */
const RETENTION_SWEEP_INTERVAL_MS = 3_600_000;

export interface RunningService {
  /** http://127.0.0.1:<port>, whatever host the server binds. */
  readonly url: string;
  readonly server: Server;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes everything. */
  shutdown(): Promise<void>;
}

export interface ServiceOverrides {
  /** Tests inject providers with controllable timing. */
  readonly providers?: ServiceProviders;
}

export async function startService(config: Config, logger: Logger, overrides: ServiceOverrides = {}) {
  const providers = overrides.providers ?? createProviders(config.provider, config.server.requestTimeoutMs);
  const db = await openDatabase(config.database);
  try {
    await claimEmbeddingModel(db, providers.embedder.model);
    if (config.seedSampleCorpus) {
      const seed = await seedSampleCorpus(db, providers.embedder).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Could not seed the sample corpus: ${reason}`, { cause: error });
      });
      if (seed.seeded) logger.info('sample corpus seeded', { documents: seed.documents });
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  const tracer = createTracer(config, logger);
  let draining = false;
  const app = createApp({ config, db, providers, logger, tracer, isDraining: () => draining });
  const { retentionDays } = config.conversations;
  const sweeper =
    retentionDays === 0
      ? undefined
      : startRetentionSweeper({
          intervalMs: RETENTION_SWEEP_INTERVAL_MS,
          sweep: () => sweepExpiredConversations(db, retentionDays, new Date()),
          onSwept: (removed) => {
            if (removed > 0) logger.info('expired conversations removed', { removed, retentionDays });
          },
          onError: (error) => logger.warn('conversation retention sweep failed', { err: error }),
        });
  const server = createServer(app.callback());
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = boundPort(server);
  const url = `http://127.0.0.1:${port}`;
  logger.info('listening', {
    url,
    host: config.server.host,
    port,
    mode: providers.mode,
    database: db.kind,
  });

  let stopped: Promise<void> | undefined;
  const shutdown = () => {
    stopped ??= (async () => {
      draining = true;
      logger.info('shutting down', { timeoutMs: config.server.shutdownTimeoutMs });
      sweeper?.stop();
      await closeServer(server, config.server.shutdownTimeoutMs, logger);
      await db.close();
      providers.close();
      await tracer.close();
      logger.info('stopped');
    })();
    return stopped;
  };
  return { url, server, shutdown } satisfies RunningService;
}

function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The server is not listening on TCP');
  return address.port;
}

/** Resolves once every connection is gone: idle ones at once, busy ones when done or at the deadline. */
function closeServer(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_INTERVAL_MS);
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline reached, closing open connections');
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
  });
}

function createTracer(config: Config, logger: Logger): Tracer {
  if (config.tracing.exporter === 'none') return noopTracer;
  return createXRayTracer({
    serviceName: SERVICE_NAME,
    daemon: config.tracing.daemon,
    sampleRate: config.tracing.sampleRate,
    onError: (error) => logger.debug('trace not sent', { err: error }),
  });
}

/** What main needs from the process, injected so tests can run it without exiting. */
export interface ProcessIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  onSignal(signal: NodeJS.Signals, handler: () => void): void;
  exit(code: number): void;
}

const processIo: ProcessIo = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal: (signal, handler) => process.once(signal, handler),
  exit: (code) => process.exit(code),
};

/** Exit code for a configuration error, distinct from a crash (1). */
export const EXIT_INVALID_CONFIG = 2;

/**
 * The process entry point: configuration, start, and shutdown on SIGTERM/SIGINT. Failures are
 * reported here, once, as a JSON line on stderr followed by a non-zero exit.
 */
export async function main(io: ProcessIo = processIo): Promise<void> {
  const stderrLogger = () => createLogger({ level: 'error', write: (line) => io.stderr.write(line) });
  const fatal = (msg: string, fields: Record<string, unknown>, code: number) => {
    stderrLogger().error(msg, fields);
    io.exit(code);
  };
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logConfigError(stderrLogger(), error);
    io.exit(EXIT_INVALID_CONFIG);
    return;
  }
  const output = batchedWriter(io.stdout);
  const logger = createLogger({ level: config.logLevel, write: output.write });
  const exit = (code: number) => {
    output.flush();
    io.exit(code);
  };
  if (config.adminToken.generated) {
    // Local mode only (config refuses a missing token in production): the one place a secret is logged.
    logger.info('generated an admin token for this run; set ADMIN_TOKEN to choose one', {
      adminToken: config.adminToken.value,
    });
  }
  let service: RunningService;
  try {
    service = await startService(config, logger);
  } catch (error) {
    output.flush();
    fatal('failed to start', { err: error }, 1);
    return;
  }
  const stop = (signal: NodeJS.Signals) => () => {
    logger.info('signal received', { signal });
    service.shutdown().then(
      () => exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { err: error });
        exit(1);
      },
    );
  };
  io.onSignal('SIGTERM', stop('SIGTERM'));
  io.onSignal('SIGINT', stop('SIGINT'));
}

if (require.main === module) void main();
