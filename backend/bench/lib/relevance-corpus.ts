import { Prng } from './prng';
import { Vocabulary } from './vocabulary';

/**
 * A generated corpus whose text carries real signal, with questions whose answer chunk is known.
 * Documents are paragraphs on one subject (the benchmark vocabulary: everyday words shared by all,
 * topic and cluster words specific to a subject); each paragraph fits one chunk. A question about a
 * paragraph names three of its less common words, as a person names the specifics of what they
 * look for, among two everyday words, as questions are phrased.
 */
export interface GeneratedQuestion {
  readonly question: string;
  /** The paragraph that answers it: the answer chunk is the one containing this text. */
  readonly paragraph: string;
}

export interface GeneratedCorpus {
  readonly documents: readonly string[];
  readonly questions: readonly GeneratedQuestion[];
}

const TOPICS = 24;
const CLUSTERS = 320;
const PARAGRAPHS_PER_DOCUMENT = 10;
/** About 330 characters: a paragraph and the previous one's overlap fit one 500-character chunk. */
const WORDS_PER_PARAGRAPH = 40;
const SPECIFIC_WORDS = 3;
const EVERYDAY_WORDS = 2;
const WORD = /[a-z]+/g;

export function generateRelevanceCorpus(chunks: number, questions: number, seed: number): GeneratedCorpus {
  const prng = new Prng(seed);
  const vocabulary = new Vocabulary(prng, TOPICS, CLUSTERS);
  const paragraphs: string[] = [];
  const documents = Array.from({ length: Math.ceil(chunks / PARAGRAPHS_PER_DOCUMENT) }, () => {
    const cluster = prng.int(CLUSTERS);
    const own = Array.from({ length: PARAGRAPHS_PER_DOCUMENT }, () =>
      vocabulary.passage(prng, cluster, cluster % TOPICS, WORDS_PER_PARAGRAPH),
    );
    paragraphs.push(...own);
    return own.join('\n\n');
  });

  const wordsOf = paragraphs.map((paragraph) => [...new Set(paragraph.toLowerCase().match(WORD) ?? [])]);
  const chunkFrequency = new Map<string, number>();
  for (const words of wordsOf)
    for (const word of words) chunkFrequency.set(word, (chunkFrequency.get(word) ?? 0) + 1);
  const everyday = vocabulary.mostCommon(20);

  const asked = Array.from({ length: questions }, () => {
    const row = prng.int(paragraphs.length);
    const byRarity = [...wordsOf[row]!].sort((a, b) => chunkFrequency.get(a)! - chunkFrequency.get(b)!);
    const lessCommon = byRarity.slice(0, Math.ceil(byRarity.length / 2));
    const specific = pickDistinct(prng, lessCommon, SPECIFIC_WORDS);
    const filler = pickDistinct(prng, everyday, EVERYDAY_WORDS);
    return { question: [filler[0], ...specific, filler[1]].join(' '), paragraph: paragraphs[row]! };
  });
  return { documents, questions: asked };
}

function pickDistinct(prng: Prng, words: readonly string[], count: number): string[] {
  const pool = [...words];
  return Array.from(
    { length: Math.min(count, pool.length) },
    () => pool.splice(prng.int(pool.length), 1)[0]!,
  );
}
