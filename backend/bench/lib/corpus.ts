import { Prng } from './prng';
import { mean } from './stats';
import { dot, normalizeInPlace, randomUnitVector } from './vector-math';
import { Vocabulary } from './vocabulary';

/**
 * Synthetic chunks that look like real text embeddings, with matching text for full-text search.
 *
 * Uniform random vectors are useless for an HNSW benchmark: in 1024 dimensions every point is
 * nearly equidistant from every other, so recall means nothing. Real embeddings instead share a
 * common direction (random texts have positive cosine), group by topic, then by sub-topic, and
 * spread unevenly inside a group. The generator reproduces those layers: a global mean, topic
 * directions, a few hundred cluster centres, and anisotropic noise (a handful of per-cluster
 * principal directions with decaying variance plus a small isotropic floor).
 */
export interface CorpusOptions {
  readonly size: number;
  readonly dims: number;
  readonly seed: number;
  readonly topics: number;
  readonly clusters: number;
}

export const DEFAULT_CORPUS: Omit<CorpusOptions, 'size'> = {
  dims: 1024,
  seed: 20261122,
  topics: 24,
  clusters: 320,
};

/** Noise layout; tuned so the cosine statistics resemble Titan V2 output (see describeCorpus). */
const GLOBAL_WEIGHT = 0.42;
const TOPIC_WEIGHT = 0.55;
const CLUSTER_WEIGHT = 0.8;
const PRINCIPAL_DIRECTIONS = 12;
const PRINCIPAL_SCALE = 0.5;
const PRINCIPAL_DECAY = 0.82;
const ISOTROPIC_SCALE = 0.45;
/** Queries are short texts, so they sit a little further from their cluster than documents do. */
const QUERY_NOISE_FACTOR = 1.15;
/** About 420 characters: one paragraph fills one chunk of the default 500-character chunker. */
const WORDS_PER_PARAGRAPH = 55;
const WORDS_PER_QUERY = 3;
/** The everyday words no-signal query texts are made of. */
const COMMON_QUERY_WORDS = 8;

interface Cluster {
  readonly topic: number;
  readonly centre: Float32Array;
  /** PRINCIPAL_DIRECTIONS unit vectors, flattened. */
  readonly principal: Float32Array;
}

export class Corpus {
  readonly dims: number;
  readonly size: number;
  /** Row-major unit vectors: chunk i occupies [i * dims, (i + 1) * dims). */
  readonly vectors: Float32Array;
  readonly clusterOf: Uint16Array;
  private readonly clusters: readonly Cluster[];
  private readonly vocabulary: Vocabulary;
  private readonly seed: number;

  constructor(options: CorpusOptions) {
    const prng = new Prng(options.seed);
    const gaussian = () => prng.gaussian();
    this.dims = options.dims;
    this.size = options.size;
    this.seed = options.seed;
    this.vocabulary = new Vocabulary(prng, options.topics, options.clusters);

    const globalMean = randomUnitVector(options.dims, gaussian);
    const topicDirections = Array.from({ length: options.topics }, () =>
      randomUnitVector(options.dims, gaussian),
    );
    this.clusters = Array.from({ length: options.clusters }, (_, index) => {
      const topic = index % options.topics;
      const own = randomUnitVector(options.dims, gaussian);
      const centre = new Float32Array(options.dims);
      for (let i = 0; i < options.dims; i++) {
        centre[i] =
          GLOBAL_WEIGHT * globalMean[i]! +
          TOPIC_WEIGHT * topicDirections[topic]![i]! +
          CLUSTER_WEIGHT * own[i]!;
      }
      normalizeInPlace(centre, 0, options.dims);
      const principal = new Float32Array(PRINCIPAL_DIRECTIONS * options.dims);
      for (let p = 0; p < PRINCIPAL_DIRECTIONS; p++) {
        principal.set(randomUnitVector(options.dims, gaussian), p * options.dims);
      }
      return { topic, centre, principal };
    });

    // Real corpora are uneven: a few subjects have many chunks, most have few (weight ~ 1/sqrt(rank)).
    const weights = this.clusters.map((_, rank) => 1 / Math.sqrt(rank + 1));
    const cumulative = cumulativeSum(weights);
    this.vectors = new Float32Array(options.size * options.dims);
    this.clusterOf = new Uint16Array(options.size);
    for (let row = 0; row < options.size; row++) {
      const cluster = pickWeighted(cumulative, prng.next());
      this.clusterOf[row] = cluster;
      this.sampleInto(this.vectors, row * options.dims, cluster, 1, prng);
    }
  }

  vector(row: number): Float32Array {
    return this.vectors.subarray(row * this.dims, (row + 1) * this.dims);
  }

  /** Deterministic text for chunk `row`, drawn from its cluster's and topic's vocabulary. */
  text(row: number): string {
    const cluster = this.clusterOf[row]!;
    return this.vocabulary.passage(
      new Prng(this.seed ^ (row * 2654435761)),
      cluster,
      this.clusters[cluster]!.topic,
      WORDS_PER_PARAGRAPH,
    );
  }

  /**
   * Queries near the data distribution: a fresh sample from the cluster of a random chunk (so
   * popular subjects are asked about more often), with a few words of that cluster as its text.
   */
  queries(count: number, seed: number): BenchQuery[] {
    const prng = new Prng(seed);
    const texts = new Set<string>();
    return Array.from({ length: count }, (_, index) => {
      const cluster = this.clusterOf[prng.int(this.size)]!;
      const vector = new Float32Array(this.dims);
      this.sampleInto(vector, 0, cluster, QUERY_NOISE_FACTOR, prng);
      // Texts key the fake embedder's lookup table, so they must be unique; redraw on a collision.
      let text: string;
      do {
        text = this.vocabulary.query(prng, cluster, this.clusters[cluster]!.topic, WORDS_PER_QUERY);
      } while (texts.has(text));
      texts.add(text);
      return { id: index, text, vector };
    });
  }

  /**
   * Query texts that carry no lexical signal: three of the corpus's most common everyday words,
   * each found in a large share of all chunks whatever their subject.
   */
  commonWordText(prng: Prng): string {
    const common = this.vocabulary.mostCommon(COMMON_QUERY_WORDS);
    return Array.from({ length: WORDS_PER_QUERY }, () => common[prng.int(common.length)]!).join(' ');
  }

  /**
   * Fresh vectors from the corpus distribution (not in the table), for chunks that benchmarks ingest;
   * from a generator passed in, successive calls continue one stream and never repeat a vector.
   */
  freshVectors(count: number, seed: number | Prng): Float32Array[] {
    const prng = typeof seed === 'number' ? new Prng(seed) : seed;
    return Array.from({ length: count }, () => {
      const vector = new Float32Array(this.dims);
      this.sampleInto(vector, 0, this.clusterOf[prng.int(this.size)]!, 1, prng);
      return vector;
    });
  }

  /** A document of `paragraphs` passages on one subject; distinct seeds give distinct content. */
  documentText(seed: number, paragraphs: number): string {
    const prng = new Prng(seed);
    const cluster = this.clusterOf[prng.int(this.size)]!;
    const topic = this.clusters[cluster]!.topic;
    return Array.from({ length: paragraphs }, () =>
      this.vocabulary.passage(prng, cluster, topic, WORDS_PER_PARAGRAPH),
    ).join('\n\n');
  }

  private sampleInto(
    target: Float32Array,
    offset: number,
    clusterIndex: number,
    noise: number,
    prng: Prng,
  ): void {
    const { centre, principal } = this.clusters[clusterIndex]!;
    const dims = this.dims;
    const isotropic = (noise * ISOTROPIC_SCALE) / Math.sqrt(dims);
    for (let i = 0; i < dims; i++) target[offset + i] = centre[i]! + isotropic * prng.gaussian();
    let scale = noise * PRINCIPAL_SCALE;
    for (let p = 0; p < PRINCIPAL_DIRECTIONS; p++) {
      const weight = scale * prng.gaussian();
      const base = p * dims;
      for (let i = 0; i < dims; i++) target[offset + i] = target[offset + i]! + weight * principal[base + i]!;
      scale *= PRINCIPAL_DECAY;
    }
    normalizeInPlace(target, offset, dims);
  }
}

export interface BenchQuery {
  readonly id: number;
  /** Query text: words that occur in the target cluster's chunks, for the full-text half of hybrid search. */
  readonly text: string;
  readonly vector: Float32Array;
}

/**
 * Cosine statistics that show the corpus is shaped like real embeddings: unrelated texts slightly
 * similar, texts on one subject clearly so, a query's nearest chunks closer still.
 */
export function describeCorpus(
  corpus: Corpus,
  queries: readonly BenchQuery[],
  exactTop: readonly number[][],
): string {
  const prng = new Prng(1);
  const { dims, vectors } = corpus;
  const cosine = (a: number, b: number) => dot(vectors, a * dims, vectors, b * dims, dims);
  const randomPairs: number[] = [];
  const sameCluster: number[] = [];
  while (sameCluster.length < DESCRIBE_SAMPLES) {
    const a = prng.int(corpus.size);
    const b = prng.int(corpus.size);
    if (randomPairs.length < DESCRIBE_SAMPLES) randomPairs.push(cosine(a, b));
    if (a !== b && corpus.clusterOf[a] === corpus.clusterOf[b]) sameCluster.push(cosine(a, b));
  }
  const toNeighbour = (rank: number) =>
    mean(queries.map((query, i) => dot(query.vector, 0, vectors, exactTop[i]![rank]! * dims, dims)));
  return [
    `random pairs ${mean(randomPairs).toFixed(2)}`,
    `same cluster ${mean(sameCluster).toFixed(2)}`,
    `query to its 1st / 5th exact neighbour ${toNeighbour(0).toFixed(2)} / ${toNeighbour(4).toFixed(2)}`,
  ].join(', ');
}

const DESCRIBE_SAMPLES = 2000;

function cumulativeSum(values: readonly number[]): Float64Array {
  const total = values.reduce((sum, v) => sum + v, 0);
  const result = new Float64Array(values.length);
  let running = 0;
  values.forEach((v, i) => {
    running += v / total;
    result[i] = running;
  });
  return result;
}

function pickWeighted(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
