import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Config } from '../../config';
import { exportFeedback, type FeedbackRecord, saveFeedback } from '../../conversations/feedback';
import type { Database } from '../../db/database';
import { AppError } from '../../errors';
import { emitFeedbackMetrics } from '../../observability/metrics';
import type { ApiResponse } from '../api-schema';
import { readBody } from '../body';
import { requireAdmin } from '../identity';
import type { AppState } from '../state';
import { parseConversationId, parseFeedback, parseMessageId, refuseQueryParams } from '../validate';

export interface FeedbackDeps {
  readonly config: Pick<Config, 'environment' | 'limits'>;
  readonly db: Database;
  readonly bounded: Middleware<AppState>;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/**
 * PUT .../messages/{messageId}/feedback rates one of the caller's stored answers (again: the newest
 * rating wins). GET /api/feedback/export streams every record as JSON Lines, for admins.
 */
export function registerFeedbackRoutes(router: Router<AppState>, deps: FeedbackDeps): void {
  const { db, config } = deps;

  router.put('/api/conversations/:id/messages/:messageId/feedback', deps.bounded, async (ctx) => {
    const conversationId = parseConversationId(ctx.params.id);
    const messageId = parseMessageId(ctx.params.messageId);
    const input = parseFeedback((await readBody(ctx, ['json'], config.limits.maxBodyBytes)).json);
    const nowMs = Math.floor(deps.now());
    const saved = await saveFeedback(
      db,
      { owner: ctx.state.identity.subject, conversationId, messageId },
      input,
      new Date(nowMs),
    );
    if (saved === undefined) {
      throw new AppError(404, 'not_found', `No message ${messageId} in conversation ${conversationId}`);
    }
    emitFeedbackMetrics(ctx.state.log, {
      environment: config.environment,
      rating: saved.rating,
      timestamp: nowMs,
    });
    ctx.body = saved satisfies ApiResponse<'FeedbackView'>;
  });

  router.get('/api/feedback/export', requireAdmin(), async (ctx) => {
    refuseQueryParams(ctx.query);
    ctx.type = 'application/x-ndjson';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', 'attachment; filename="feedback.jsonl"');
    ctx.body = Readable.from(jsonLines(exportFeedback(db), ctx.state.log));
  });
}

async function* jsonLines(
  records: AsyncIterable<FeedbackRecord>,
  log: AppState['log'],
): AsyncGenerator<string> {
  let count = 0;
  for await (const record of records) {
    count += 1;
    yield `${JSON.stringify(record)}\n`;
  }
  log.info('feedback exported', { records: count });
}
