import Koa from 'koa';
import type { FrontendConfig } from './config';
import { errorHandler } from './error-handler';
import { AppError } from './errors';
import { health, healthPaths } from './health';
import type { Logger } from './logger';
import { apiProxy } from './proxy';
import { requestLog } from './request-log';
import { securityHeaders } from './security-headers';
import type { StaticAssets } from './static-assets';
import { staticRoutes } from './static-routes';

export interface AppDeps {
  readonly config: Pick<FrontendConfig, 'basePath' | 'backendUrl' | 'proxyTimeoutMs' | 'maxRequestBodyBytes'>;
  readonly assets: StaticAssets;
  readonly logger: Logger;
}

export function createApp({ config, assets, logger }: AppDeps): Koa {
  const app = new Koa();
  // Failures after the response started (a client that left mid-stream) end up here, not in errorHandler.
  app.silent = true;
  app.on('error', (error: unknown) => {
    if (!isClientDisconnect(error)) logger.error('response failed', { error: String(error) });
  });
  app.use(requestLog(logger, healthPaths(config.basePath)));
  app.use(errorHandler(logger));
  app.use(securityHeaders());
  app.use(health(config.basePath));
  app.use(staticRoutes(assets, config.basePath));
  app.use(
    apiProxy({
      basePath: config.basePath,
      backendUrl: config.backendUrl,
      timeoutMs: config.proxyTimeoutMs,
      maxBodyBytes: config.maxRequestBodyBytes,
      logger,
    }),
  );
  app.use(() => {
    throw new AppError(404, 'not_found', 'Nothing here.');
  });
  return app;
}

function isClientDisconnect(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error.code === 'ERR_STREAM_PREMATURE_CLOSE' || error.code === 'ECONNRESET' || error.code === 'EPIPE')
  );
}
