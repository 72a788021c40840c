import type { ChatTurn } from '../pipeline/types';

/**
 * English text averages about four characters per token for the tokenizers of the models we use;
 * the estimate only has to keep the prompt's size bounded, not match a tokenizer exactly.
 */
const CHARS_PER_TOKEN = 4;
/** A turn cut shorter than this says too little to be worth sending. */
const MIN_TRUNCATED_TOKENS = 32;

export interface HistoryBudget {
  readonly maxTurns: number;
  readonly maxTokens: number;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * The most recent turns that fit both budgets, oldest first. Turns are taken newest first; the
 * first one that does not fit is cut to the tokens left (when that is still worth sending) and
 * nothing older is kept, so the history is always a contiguous, most recent stretch.
 */
export function boundHistory(turns: readonly ChatTurn[], budget: HistoryBudget): ChatTurn[] {
  if (budget.maxTurns === 0) return [];
  const kept: ChatTurn[] = [];
  let tokensLeft = budget.maxTokens;
  for (const turn of turns.slice(-budget.maxTurns).reverse()) {
    const tokens = estimateTokens(turn.content);
    if (tokens <= tokensLeft) {
      kept.push(turn);
      tokensLeft -= tokens;
      continue;
    }
    if (tokensLeft >= MIN_TRUNCATED_TOKENS) {
      kept.push({ role: turn.role, content: `${turn.content.slice(0, tokensLeft * CHARS_PER_TOKEN - 1)}…` });
    }
    break;
  }
  return kept.reverse();
}

/** A conversation's stored exchanges as chat turns, oldest first. */
export function exchangesToTurns(
  exchanges: readonly { readonly question: string; readonly answer: string }[],
): ChatTurn[] {
  return exchanges.flatMap((exchange): ChatTurn[] => [
    { role: 'user', content: exchange.question },
    { role: 'assistant', content: exchange.answer },
  ]);
}
