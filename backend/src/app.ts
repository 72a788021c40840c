import Koa from 'koa';
import type { Config } from './config';
import type { Database } from './db/database';
import { AppError } from './errors';
import { cors } from './http/cors';
import { errorHandler } from './http/error-handler';
import { identify } from './http/identity';
import { requestContext } from './http/request-context';
import { createRouter, routerFallbacks } from './http/router';
import type { AppState } from './http/state';
import type { UsageLimiter } from './http/usage/limiter';
import type { Providers } from './pipeline/types';
import { retrieve } from './retrieval/retrieve';
import { createAlbTokenVerifier } from './service-kit/alb-token';
import type { Logger } from './service-kit/logger';

export interface AppDeps {
  readonly config: Config;
  readonly db: Database;
  readonly providers: Providers;
  readonly logger: Logger;
  /**
   * The daily usage limits (createUsageLimiter): whoever runs the app closes it after the server
   * has stopped, which writes the generated tokens still held in memory.
   */
  readonly usage: UsageLimiter;
  /** True once shutdown has begun: /ready turns 503 so no new traffic arrives. */
  readonly isDraining?: () => boolean;
  /** Epoch milliseconds with sub-millisecond precision. */
  readonly now?: () => number;
}

/** Builds the Koa application; it neither listens nor touches globals (main.ts does that). */
export function createApp(deps: AppDeps): Koa<AppState> {
  const now = deps.now ?? (() => performance.timeOrigin + performance.now());
  const { config, db, providers } = deps;
  const router = createRouter({
    config,
    db,
    isDraining: deps.isDraining ?? (() => false),
    usage: deps.usage,
    answer: {
      providers,
      retrieve: (request, signal) => retrieve(db, providers.embedder, request, signal),
      minScore: config.retrieval.minScore,
      now,
    },
  });

  const app = new Koa<AppState>();
  if (config.trustProxy) {
    // Only the load balancer (and the frontend, which passes its header on) can reach this
    // service, and the ALB appends the address it saw: the last entry is the only trusted one.
    app.proxy = true;
    app.maxIpsCount = 1;
  }
  // The error handler reports every request error; Koa's default would also print it to stderr.
  app.silent = true;
  // What still reaches Koa is a failure while sending a response (e.g. the socket broke).
  app.on('error', (error: unknown, ctx?: { state?: Partial<AppState> }) =>
    (ctx?.state?.log ?? deps.logger).warn('response failed', { err: error }),
  );
  app.use(requestContext({ logger: deps.logger, now }));
  app.use(errorHandler());
  if (config.corsOrigins.length > 0) app.use(cors(config.corsOrigins));
  app.use(
    identify({
      signIn: config.signIn,
      adminToken: config.adminToken.value,
      verifyToken: config.signIn.mode === 'alb' ? createAlbTokenVerifier(config.signIn) : undefined,
    }),
  );
  app.use(notFound());
  app.use(router.routes());
  app.use(routerFallbacks(router));
  return app;
}

function notFound(): Koa.Middleware<AppState> {
  return async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body == null && ctx.respond !== false) {
      throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
    }
  };
}
