import type { Prng } from './prng';

/**
 * Made-up words grouped like a real corpus: a shared everyday vocabulary, a vocabulary per topic and
 * a smaller, more specific one per cluster. Chunk text and query text draw from the same groups as
 * their vectors, so the full-text half of hybrid search finds the same neighbourhood as the vector half.
 */
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ter',
  'van',
  'su',
  'ro',
  'pe',
  'dax',
  'ni',
  'qua',
  'bel',
  'tor',
  'fi',
  'gen',
  'ul',
  'zor',
  'pra',
  'me',
  'wis',
];
const COMMON_WORDS = 400;
const TOPIC_WORDS = 160;
const CLUSTER_WORDS = 40;
/** Share of words drawn from the cluster and topic vocabularies; the rest are common words. */
const CLUSTER_SHARE = 0.35;
const TOPIC_SHARE = 0.3;

export class Vocabulary {
  private readonly common: readonly string[];
  private readonly topics: readonly (readonly string[])[];
  private readonly clusters: readonly (readonly string[])[];

  constructor(prng: Prng, topics: number, clusters: number) {
    const used = new Set<string>();
    const words = (count: number): string[] =>
      Array.from({ length: count }, () => {
        for (;;) {
          const syllables = 2 + prng.int(3);
          let word = '';
          for (let i = 0; i < syllables; i++) word += SYLLABLES[prng.int(SYLLABLES.length)];
          if (!used.has(word)) {
            used.add(word);
            return word;
          }
        }
      });
    this.common = words(COMMON_WORDS);
    this.topics = Array.from({ length: topics }, () => words(TOPIC_WORDS));
    this.clusters = Array.from({ length: clusters }, () => words(CLUSTER_WORDS));
  }

  /** Sentences of 8–14 words, so the chunker finds sentence boundaries as in real prose. */
  passage(prng: Prng, cluster: number, topic: number, wordCount: number): string {
    const sentences: string[] = [];
    let remaining = wordCount;
    while (remaining > 0) {
      const length = Math.min(remaining, 8 + prng.int(7));
      const sentence = Array.from({ length }, () => this.word(prng, cluster, topic));
      sentences.push(`${capitalize(sentence.join(' '))}.`);
      remaining -= length;
    }
    return sentences.join(' ');
  }

  /** The `count` everyday words that occur most often (the Zipf pick favours low indexes). */
  mostCommon(count: number): readonly string[] {
    return this.common.slice(0, count);
  }

  /** A short keyword query: specific words first, as people type them. */
  query(prng: Prng, cluster: number, topic: number, wordCount: number): string {
    return Array.from({ length: wordCount }, (_, i) =>
      zipfPick(prng, i % 2 === 0 ? this.clusters[cluster]! : this.topics[topic]!),
    ).join(' ');
  }

  private word(prng: Prng, cluster: number, topic: number): string {
    const u = prng.next();
    if (u < CLUSTER_SHARE) return zipfPick(prng, this.clusters[cluster]!);
    if (u < CLUSTER_SHARE + TOPIC_SHARE) return zipfPick(prng, this.topics[topic]!);
    return zipfPick(prng, this.common);
  }
}

/** Skewed pick (low indexes far more often), like word frequencies in real text. */
function zipfPick(prng: Prng, words: readonly string[]): string {
  const u = prng.next();
  return words[Math.floor(u * u * words.length)]!;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
