import { createServer, type Server } from 'node:http';
import { createApp } from './app';
import { type Config, ConfigError, loadConfig } from './config';
import { openDatabase } from './db/database';
import { batchedWriter, createLogger, type Logger } from './observability/logger';
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
    if (config.seedSampleCorpus) {
      const seed = await seedSampleCorpus(db, providers.embedder);
      if (seed.seeded) logger.info('sample corpus seeded', { documents: seed.documents });
    }
  } catch (error) {
    await db.close();
    throw new Error(`Could not seed the sample corpus: ${error instanceof Error ? error.message : error}`, {
      cause: error,
    });
  }
  const tracer = createTracer(config, logger);
  let draining = false;
  const app = createApp({ config, db, providers, logger, tracer, isDraining: () => draining });
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

async function main(): Promise<void> {
  const output = batchedWriter(process.stdout);
  process.on('exit', output.flush);
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger({ level: 'error', write: (line) => process.stderr.write(line) }).error(
      `invalid configuration: ${error.message}`,
      { variable: error.variable },
    );
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel, write: output.write });
  if (config.adminToken.generated) {
    // Local mode only (config refuses a missing token in production): the one place a secret is logged.
    logger.info('generated an admin token for this run; set ADMIN_TOKEN to choose one', {
      adminToken: config.adminToken.value,
    });
  }
  const service = await startService(config, logger);
  const stop = (signal: NodeJS.Signals) => {
    logger.info('signal received', { signal });
    service.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { err: error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    createLogger({ level: 'error', write: (line) => process.stderr.write(line) }).error('failed to start', {
      err: error,
    });
    process.exit(1);
  });
}
