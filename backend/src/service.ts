import { createServer, type Server } from 'node:http';
import { createApp } from './app';
import type { Config } from './config';
import { startRetentionSweeper, sweepExpiredConversations } from './conversations/retention';
import { openDatabase } from './db/database';
import { createUsageLimiter } from './http/usage/limiter';
import { claimEmbeddingModel } from './ingest/embedding-model';
import { createProviders, type ServiceProviders } from './providers';
import { seedSampleCorpus } from './seed/seed-sample-corpus';
import type { Logger } from './service-kit/logger';

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
  let draining = false;
  const usage = createUsageLimiter({ db, limits: config.usageLimits, now: Date.now, log: logger });
  const app = createApp({ config, db, providers, logger, usage, isDraining: () => draining });
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
      await usage.close();
      await db.close();
      providers.close();
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
