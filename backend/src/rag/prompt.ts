import type { AnswerRequest, ChatTurn } from '../pipeline/types';

/** The exact phrase the model must use when the sources do not answer the question. */
export const I_DONT_KNOW = "I don't know";

export interface Prompt {
  readonly system: string;
  /** Alternates user/assistant, starts and ends with a user turn (the Converse API requires both). */
  readonly messages: ChatTurn[];
}

const GROUNDING_RULES = [
  'You answer questions for a retrieval-augmented chat service.',
  'Answer only from the numbered sources below; never use outside knowledge.',
  'Cite every claim with the number of its source in square brackets, for example [1] or [2][3].',
  `If the sources do not contain the answer, reply exactly "${I_DONT_KNOW}." and nothing else.`,
  'Be concise. Earlier turns of the conversation are context for follow-up questions, not sources.',
].join('\n');

const NO_SOURCES = `No sources were found for this question, so reply exactly "${I_DONT_KNOW}."`;

/** Builds a grounded prompt: numbered sources in the system text, history then the question as turns. */
export function buildPrompt(request: AnswerRequest): Prompt {
  const sourcesText =
    request.sources.length === 0
      ? NO_SOURCES
      : `Sources:\n${request.sources
          .map((source, index) => `[${index + 1}] ${source.title}\n${source.content.trim()}`)
          .join('\n\n')}`;
  return {
    system: `${GROUNDING_RULES}\n\n${sourcesText}`,
    messages: alternatingTurns([...request.history, { role: 'user', content: request.question }]),
  };
}

/**
 * Chat APIs reject a conversation that opens with the assistant or repeats a role, so leading
 * assistant turns are dropped and consecutive turns of one role are merged.
 */
function alternatingTurns(turns: readonly ChatTurn[]): ChatTurn[] {
  const result: ChatTurn[] = [];
  for (const turn of turns) {
    const content = turn.content.trim();
    if (content === '') continue;
    const previous = result.at(-1);
    if (previous === undefined && turn.role === 'assistant') continue;
    if (previous?.role === turn.role) {
      result[result.length - 1] = { role: turn.role, content: `${previous.content}\n\n${content}` };
    } else {
      result.push({ role: turn.role, content });
    }
  }
  return result;
}
