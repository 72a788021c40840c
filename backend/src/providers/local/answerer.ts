import type { AnswerRequest, Generator } from '../../pipeline/types';
import { I_DONT_KNOW } from '../../rag/prompt';
import { contentTerms } from './text';

export const LOCAL_GENERATION_MODEL = 'local-extractive-v1';

export const NOTHING_RELEVANT = `${I_DONT_KNOW}. None of the indexed documents answers this question.`;

const MAX_SENTENCES = 3;
/** Share of the question's terms a sentence must contain to be quoted. */
const MIN_SENTENCE_SCORE = 0.3;
/** Terms of the previous user turn count this much, so follow-ups ("and its cost?") keep their topic. */
const HISTORY_TERM_WEIGHT = 0.5;

interface ScoredSentence {
  readonly text: string;
  readonly citation: number;
  readonly score: number;
  readonly position: number;
}

/**
 * The local-mode generator: no language model, it quotes the retrieved sentences that best match
 * the question, each followed by its [n] citation, and streams the result word by word.
 */
export function createExtractiveAnswerer(): Generator {
  return {
    model: LOCAL_GENERATION_MODEL,
    streamAnswer: (request) => streamWords(composeAnswer(request), request.signal),
  };
}

export function composeAnswer(request: AnswerRequest): string {
  const weights = questionWeights(request);
  const totalWeight = [...weights.values()].reduce((sum, weight) => sum + weight, 0);
  if (totalWeight === 0) return NOTHING_RELEVANT;
  const seen = new Set<string>();
  const candidates: ScoredSentence[] = [];
  request.sources.forEach((source, sourceIndex) => {
    for (const text of sentences(source.content)) {
      const key = text.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const matched = new Set(contentTerms(text).filter((term) => weights.has(term)));
      const overlap = [...matched].reduce((sum, term) => sum + (weights.get(term) ?? 0), 0);
      // The retriever's score breaks ties between equally matching sentences.
      const score = overlap / totalWeight + source.score * 0.01;
      if (overlap / totalWeight >= MIN_SENTENCE_SCORE) {
        candidates.push({ text, citation: sourceIndex + 1, score, position: candidates.length });
      }
    }
  });
  if (candidates.length === 0) return NOTHING_RELEVANT;
  return candidates
    .sort((left, right) => right.score - left.score || left.position - right.position)
    .slice(0, MAX_SENTENCES)
    .map((sentence) => `${sentence.text} [${sentence.citation}]`)
    .join(' ');
}

function questionWeights(request: AnswerRequest): Map<string, number> {
  const weights = new Map<string, number>();
  const previousQuestion = request.history.findLast((turn) => turn.role === 'user');
  for (const term of contentTerms(previousQuestion?.content ?? '')) weights.set(term, HISTORY_TERM_WEIGHT);
  for (const term of contentTerms(request.question)) weights.set(term, 1);
  return weights;
}

const BLOCK_BREAK = /\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)|\n(?=#)/;
const SENTENCE_BREAK = /(?<=[.!?])\s+(?=["'(\p{Lu}\p{N}])/u;
const STARTS_LIKE_A_SENTENCE = /^["'(\p{Lu}\p{N}]/u;
const ENDS_LIKE_A_SENTENCE = /[.!?]["')]?$/;

/**
 * Complete sentences only, since a quoted fragment or heading reads badly: blocks are split at
 * blank lines, list items and headings (which are dropped), markdown emphasis is removed, and a
 * sentence must end with a full stop. Chunks overlap, so a chunk may begin mid-sentence: its
 * first sentence must also start like one.
 */
function sentences(content: string): string[] {
  return content.split(BLOCK_BREAK).flatMap((block, blockIndex) => {
    if (block.trimStart().startsWith('#')) return [];
    const text = block
      .replace(/^\s*(?:[-*+]|\d+\.)\s+/, '')
      .replace(/\*\*|__|`/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    return text
      .split(SENTENCE_BREAK)
      .filter(
        (sentence, index) =>
          ENDS_LIKE_A_SENTENCE.test(sentence) &&
          (blockIndex > 0 || index > 0 || STARTS_LIKE_A_SENTENCE.test(sentence)),
      );
  });
}

async function* streamWords(answer: string, signal: AbortSignal | undefined): AsyncGenerator<string> {
  for (const token of answer.match(/\S+\s*/g) ?? []) {
    signal?.throwIfAborted();
    yield token;
  }
}
