import type { Router } from '@koa/router';
import type { Database } from '../../db/database';
import { countCorpus } from '../../ingest/documents';
import type { Providers } from '../../rag/types';
import type { AppState } from '../state';

export function registerStatsRoutes(
  router: Router<AppState>,
  deps: { db: Database; providers: Providers },
): void {
  router.get('/api/stats', async (ctx) => {
    const corpus = await countCorpus(deps.db);
    ctx.body = {
      documents: corpus.documents,
      chunks: corpus.chunks,
      embeddingModel: deps.providers.embedder.model,
      generationModel: deps.providers.generator.model,
      mode: deps.providers.mode,
    };
  });
}
