import { Router } from '@koa/router';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { AppError } from '../errors';
import { withSharedEmbeddingLimit } from '../ingest/shared-embedding-limit';
import type { AnswerDeps } from '../rag/answer';
import { deadline } from './deadline';
import { OPENAPI_PATH, openApiDocument } from './openapi';
import { registerConversationRoutes } from './routes/conversations';
import { registerDocumentRoutes } from './routes/documents';
import { registerFeedbackRoutes } from './routes/feedback';
import { registerHealthRoutes } from './routes/health';
import { registerMeRoutes } from './routes/me';
import { registerQueryRoutes } from './routes/query';
import { registerStatsRoutes } from './routes/stats';
import type { AppState } from './state';
import type { UsageLimiter } from './usage/limiter';

export interface RouterDeps {
  readonly config: Config;
  readonly db: Database;
  readonly answer: AnswerDeps;
  readonly isDraining: () => boolean;
  readonly usage: UsageLimiter;
}

export function createRouter(deps: RouterDeps): Router<AppState> {
  const router = new Router<AppState>();
  const { config, db } = deps;
  const bounded = deadline(config.server.requestTimeoutMs);
  registerHealthRoutes(router, { db, isDraining: deps.isDraining, bounded });
  registerQueryRoutes(router, { config, answer: deps.answer, db, usage: deps.usage });
  registerMeRoutes(router, { signIn: config.signIn });
  registerConversationRoutes(router, { config, db, bounded, now: deps.answer.now });
  registerFeedbackRoutes(router, { config, db, bounded, now: deps.answer.now });
  const uploadEmbedder = withSharedEmbeddingLimit(
    deps.answer.providers.embedder,
    config.limits.uploadEmbeddingConcurrency,
  );
  registerDocumentRoutes(router, { config, db, embedder: uploadEmbedder, bounded });
  registerStatsRoutes(router, { db, providers: deps.answer.providers, bounded });
  const openApi = JSON.stringify(openApiDocument(config.limits));
  router.get(OPENAPI_PATH, (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openApi;
  });
  return router;
}

/** Unknown paths and wrong methods get the same error shape as everything else. */
export function routerFallbacks(router: Router<AppState>) {
  return router.allowedMethods({
    throw: true,
    methodNotAllowed: () =>
      new AppError(405, 'method_not_allowed', 'This method is not allowed on this path'),
    notImplemented: () => new AppError(501, 'not_implemented', 'This method is not implemented'),
  });
}
