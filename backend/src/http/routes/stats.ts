import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Database } from '../../db/database';
import { countCorpus } from '../../ingest/document-store';
import type { Providers } from '../../pipeline/types';
import type { ApiResponse } from '../api-schema';
import type { AppState } from '../state';

export interface StatsDeps {
  readonly db: Database;
  readonly providers: Providers;
  readonly bounded: Middleware<AppState>;
}

export function registerStatsRoutes(router: Router<AppState>, deps: StatsDeps): void {
  router.get('/api/stats', deps.bounded, async (ctx) => {
    const corpus = await countCorpus(deps.db);
    ctx.body = {
      documents: corpus.documents,
      chunks: corpus.chunks,
      embeddingModel: deps.providers.embedder.model,
      generationModel: deps.providers.generator.model,
      mode: deps.providers.mode,
    } satisfies ApiResponse<'Stats'>;
  });
}
