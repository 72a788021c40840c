import path from 'node:path';
import {
  ConfigError,
  EXIT_INVALID_CONFIG,
  logConfigError,
  type TracingConfig,
} from '@ragchat/backend/service-kit';
import type * as TracingModule from '@ragchat/backend/service-kit/tracing';
import type * as AppModule from './app';
import { parseConfig } from './config';
import { createJsonLogger } from './logger';
import { loadStaticAssets } from './static-assets';

export const SERVICE_NAME = 'ragchat-frontend';

/**
 * The ALB keeps idle connections for 60 s; holding ours longer means the ALB, not us, closes them,
 * so it never sends a request on a socket we are closing (a spurious 502).
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Below ECS's default 30 s stop timeout, so the task exits on its own. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Entry point: parse configuration, load the browser bundle, listen, stop cleanly on SIGTERM. */
function main(): void {
  const logger = createJsonLogger();
  try {
    const config = parseConfig(process.env);
    const tracing = startTracing(config.tracing);
    // Required only now: the OpenTelemetry instrumentations patch http and koa as they load.
    const { createApp } = require('./app') as typeof AppModule;
    const assets = loadStaticAssets(path.resolve(__dirname, '../public'), config.basePath);
    const server = createApp({ config, assets, logger }).listen(config.port, config.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      logger.info('listening', {
        url: `http://${host}:${port}${config.basePath}/`,
        backendUrl: config.backendUrl.href,
        signIn: config.signIn.mode,
      });
    });
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
    // Stop accepting, let answers in flight finish, and cut whatever is still open at the deadline.
    const shutdown = (signal: string) => {
      logger.info('shutting down', { signal });
      server.close(() => {
        void (tracing?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0));
      });
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      logger.error('failed to start', { err: error });
      process.exit(1);
    }
    logConfigError(logger, error);
    process.exit(EXIT_INVALID_CONFIG);
  }
}

/** Local mode (no exporter) never loads the OpenTelemetry SDK, so tracing costs nothing there. */
function startTracing(tracing: TracingConfig): TracingModule.Tracing | undefined {
  if (tracing.exporter === 'none') return undefined;
  const { startTracing } = require('@ragchat/backend/service-kit/tracing') as typeof TracingModule;
  return startTracing({
    serviceName: SERVICE_NAME,
    endpoint: tracing.endpoint,
    sampleRate: tracing.sampleRate,
    instrument: ['http', 'koa'],
  });
}

main();
