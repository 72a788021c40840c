import type { Database } from '../db/database';
import { AppError } from '../errors';
import type { ChatTurn, Providers } from '../pipeline/types';
import type { AnswerOutcome } from '../rag/answer';
import { exchangesToTurns } from '../rag/history';
import { appendMessage, assertRoomFor, conversationExchanges, conversationNotFound } from './store';
import type { ConversationTarget } from './types';

/** Stores a finished answer in its conversation; resolves with the new message id (null: not stored). */
export type RecordAnswer = (outcome: AnswerOutcome) => Promise<string | null>;

/**
 * The conversation's exchanges as turns; for a regenerated answer, those before the last one, whose
 * question must be the one asked again.
 */
export async function storedHistory(
  db: Database,
  owner: string,
  target: ConversationTarget,
  query: string,
): Promise<ChatTurn[]> {
  const exchanges = await conversationExchanges(db, owner, target.id);
  if (exchanges === undefined) throw conversationNotFound(target.id);
  assertRoomFor(exchanges.length, target.regenerate);
  if (!target.regenerate) return exchangesToTurns(exchanges);
  if (exchanges.at(-1)?.question !== query) {
    throw new AppError(400, 'invalid_request', "regenerate must repeat the conversation's last question");
  }
  return exchangesToTurns(exchanges.slice(0, -1));
}

/** How the query route keeps an answer: in the conversation asked in, or nowhere. */
export function answerKeeper(
  deps: { readonly db: Database; readonly providers: Providers; readonly now: () => number },
  owner: string,
  target: ConversationTarget | undefined,
  question: string,
): RecordAnswer {
  if (target === undefined) return async () => null;
  const { providers, now } = deps;
  return async (outcome) => {
    const stored = await appendMessage(
      deps.db,
      owner,
      target.id,
      {
        question,
        answer: outcome.answer,
        sources: outcome.sources,
        mode: providers.mode,
        model: providers.generator.model,
        timings: outcome.timings,
      },
      { now: new Date(Math.floor(now())), replaceLast: target.regenerate },
    );
    // Deleted while the answer streamed: the answer is still shown, just not kept.
    return stored?.id ?? null;
  };
}
