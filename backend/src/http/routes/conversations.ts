import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Config } from '../../config';
import {
  conversationNotFound,
  createConversation,
  deleteAllConversations,
  deleteConversation,
  getConversation,
  listConversations,
  renameConversation,
} from '../../conversations/store';
import type { Database } from '../../db/database';
import type { ApiResponse } from '../api-schema';
import { readBody } from '../body';
import type { AppState } from '../state';
import {
  parseConversationId,
  parseConversationPaging,
  parseConversationPatch,
  parseNewConversation,
  refuseQueryParams,
} from '../validate';

export interface ConversationsDeps {
  readonly config: Pick<Config, 'limits'>;
  readonly db: Database;
  readonly bounded: Middleware<AppState>;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

const DEFAULT_TITLE = 'New chat';

/** The signed-in subject's own conversations; nobody else's are ever read, changed or counted. */
export function registerConversationRoutes(router: Router<AppState>, deps: ConversationsDeps): void {
  const { db, bounded } = deps;
  const maxBytes = deps.config.limits.maxBodyBytes;
  const now = () => new Date(Math.floor(deps.now()));

  router.post('/api/conversations', bounded, async (ctx) => {
    const { title } = parseNewConversation((await readBody(ctx, ['json'], maxBytes)).json);
    ctx.status = 201;
    ctx.body = (await createConversation(
      db,
      ctx.state.identity.subject,
      title ?? DEFAULT_TITLE,
      now(),
    )) satisfies ApiResponse<'ConversationSummary'>;
  });

  router.get('/api/conversations', bounded, async (ctx) => {
    ctx.body = (await listConversations(
      db,
      ctx.state.identity.subject,
      parseConversationPaging(ctx.query),
    )) satisfies ApiResponse<'ConversationPage'>;
  });

  router.delete('/api/conversations', bounded, async (ctx) => {
    refuseQueryParams(ctx.query);
    const deleted = await deleteAllConversations(db, ctx.state.identity.subject);
    ctx.state.log.info('conversations deleted', { deleted });
    ctx.body = { deleted } satisfies ApiResponse<'Deleted'>;
  });

  router.get('/api/conversations/:id', bounded, async (ctx) => {
    const id = parseConversationId(ctx.params.id);
    const conversation = await getConversation(db, ctx.state.identity.subject, id);
    if (conversation === undefined) throw conversationNotFound(id);
    ctx.body = conversation satisfies ApiResponse<'ConversationDetail'>;
  });

  router.patch('/api/conversations/:id', bounded, async (ctx) => {
    const id = parseConversationId(ctx.params.id);
    const { title } = parseConversationPatch((await readBody(ctx, ['json'], maxBytes)).json);
    const renamed = await renameConversation(db, ctx.state.identity.subject, id, title, now());
    if (renamed === undefined) throw conversationNotFound(id);
    ctx.body = renamed satisfies ApiResponse<'ConversationSummary'>;
  });

  router.delete('/api/conversations/:id', bounded, async (ctx) => {
    const id = parseConversationId(ctx.params.id);
    if (!(await deleteConversation(db, ctx.state.identity.subject, id))) throw conversationNotFound(id);
    ctx.status = 204;
  });
}
