import type { ChatTurn } from './api-client';

/** Enough context for follow-up questions without growing every request; the backend trims again. */
export const MAX_HISTORY_TURNS = 6;

/** Only finished exchanges become history: a stopped or failed answer would mislead follow-ups. */
export function withExchange(history: readonly ChatTurn[], question: string, answer: string): ChatTurn[] {
  const turns: ChatTurn[] = [
    ...history,
    { role: 'user', content: question },
    { role: 'assistant', content: answer },
  ];
  return turns.slice(-MAX_HISTORY_TURNS);
}
