import { createAlbTokenVerifier } from '@ragchat/backend/service-kit';
import Koa from 'koa';
import type { FrontendConfig } from './config';
import { errorHandler } from './error-handler';
import { AppError } from './errors';
import { health, healthPaths } from './health';
import {
  createLocalSigner,
  LOCAL_ALB_ARN,
  LOCAL_ISSUER,
  LOCAL_KEYS_PATH,
  localKeyFetcher,
  localSignIn,
} from './local-sign-in';
import type { Logger } from './logger';
import { apiProxy } from './proxy';
import { requestLog } from './request-log';
import { securityHeaders } from './security-headers';
import { requireSignIn } from './sign-in';
import type { StaticAssets } from './static-assets';
import { staticRoutes } from './static-routes';

export interface AppDeps {
  readonly config: Pick<
    FrontendConfig,
    | 'basePath'
    | 'backendUrl'
    | 'proxyTimeoutMs'
    | 'maxRequestBodyBytes'
    | 'signIn'
    | 'hstsMaxAgeSeconds'
    | 'trustProxy'
  >;
  readonly assets: StaticAssets;
  readonly logger: Logger;
}

export function createApp({ config, assets, logger }: AppDeps): Koa {
  const app = new Koa();
  // Failures after the response started (a client that left mid-stream) end up here, not in errorHandler.
  app.silent = true;
  app.on('error', (error: unknown) => {
    if (!isClientDisconnect(error)) logger.error('response failed', { err: error });
  });
  app.use(requestLog(logger, healthPaths(config.basePath)));
  app.use(errorHandler(logger));
  app.use(securityHeaders({ hstsMaxAgeSeconds: config.hstsMaxAgeSeconds, trustProxy: config.trustProxy }));
  app.use(health(config.basePath));
  for (const middleware of signInMiddleware(config, logger)) app.use(middleware);
  app.use(staticRoutes(assets, config.basePath));
  app.use(
    apiProxy({
      basePath: config.basePath,
      backendUrl: config.backendUrl,
      timeoutMs: config.proxyTimeoutMs,
      maxBodyBytes: config.maxRequestBodyBytes,
      logger,
      trustProxy: config.trustProxy,
    }),
  );
  app.use(() => {
    throw new AppError(404, 'not_found', 'Nothing here.');
  });
  return app;
}

/** Nothing with sign-in off; the verifier (after the local load balancer, in local mode) otherwise. */
function signInMiddleware(
  config: Pick<FrontendConfig, 'basePath' | 'signIn'>,
  logger: Logger,
): Koa.Middleware[] {
  const { signIn, basePath } = config;
  switch (signIn.mode) {
    case 'off':
      return [];
    case 'alb':
      return [
        requireSignIn({ verify: createAlbTokenVerifier(signIn), basePath, localSignIn: false, logger }),
      ];
    case 'local': {
      const signer = createLocalSigner();
      const keyEndpoint = `local:${LOCAL_KEYS_PATH}`;
      const verify = createAlbTokenVerifier({
        albArn: LOCAL_ALB_ARN,
        keyEndpoint,
        issuer: LOCAL_ISSUER,
        clientId: undefined,
        fetchKey: localKeyFetcher(signer, keyEndpoint),
      });
      logger.info('local sign-in on', {
        keyEndpoint: `${basePath}${LOCAL_KEYS_PATH}`,
        albArn: LOCAL_ALB_ARN,
      });
      return [localSignIn(signer, basePath), requireSignIn({ verify, basePath, localSignIn: true, logger })];
    }
  }
}

function isClientDisconnect(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error.code === 'ERR_STREAM_PREMATURE_CLOSE' || error.code === 'ECONNRESET' || error.code === 'EPIPE')
  );
}
