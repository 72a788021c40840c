import { type Database, openDatabase } from '../../src/db/database';
import { createLocalEmbedder } from '../../src/providers/local/embedder';
import type { Embedder } from '../../src/rag/types';
import type { RankedCandidate } from '../../src/retrieval/rank-fusion';
import { retrieve, retrieveSides } from '../../src/retrieval/retrieve';
import { seedSampleCorpus } from '../../src/seed/seed-sample-corpus';
import { runIngest } from '../lib/ingest-run';
import { withClient } from '../lib/postgres-tier';
import { generateRelevanceCorpus } from '../lib/relevance-corpus';
import { Section } from '../lib/report';
import { SAMPLE_QUESTIONS } from '../lib/sample-questions';
import { mean } from '../lib/stats';
import type { Benchmark } from './benchmark';

const HIT_K = 5;
/** Reciprocal rank is counted within the first MRR_K results (0 beyond). */
const MRR_K = 10;
const RELEVANCE_SEED = 17;
const DOCUMENTS_IN_FLIGHT = 4;
const EMBEDDING_CONCURRENCY = 16;

interface LabelledQuestion {
  readonly question: string;
  readonly isAnswer: (chunk: { readonly content: string; readonly documentId: string }) => boolean;
}

type Mode = 'vector only' | 'lexical only' | 'hybrid (shipped)';
const MODES: readonly Mode[] = ['vector only', 'lexical only', 'hybrid (shipped)'];

/**
 * How often the right chunk comes back, for each side alone and for the shipped fusion, with the
 * local embedder (feature hashing, what local mode ships): hit@5 (the answer chunk among the first
 * five) and MRR@10, over labelled questions on the sample corpus and on a generated corpus.
 */
export const relevanceBenchmark: Benchmark = {
  name: 'relevance',
  title: 'Relevance (labelled questions, local embedder)',
  async run(context) {
    const section = new Section(this.name, this.title);
    const embedder = createLocalEmbedder();
    const tier = await context.tier();

    const sample = await withDatabase(tier.url, 'ragchat_relevance_sample', async (db) => {
      await seedSampleCorpus(db, embedder);
      const documents = await db.knex('documents').select<{ id: string; source: string }[]>('id', 'source');
      const idOf = new Map(documents.map((row) => [row.source, row.id]));
      const questions = SAMPLE_QUESTIONS.map(({ question, slug, answer }) => {
        const documentId = idOf.get(`sample-corpus/${slug}.md`);
        return {
          question,
          isAnswer: (chunk: { content: string; documentId: string }) =>
            chunk.documentId === documentId && chunk.content.includes(answer),
        };
      });
      return evaluate(db, embedder, questions);
    });
    report(section, `sample corpus (${SAMPLE_QUESTIONS.length} questions)`, sample);

    const generated = generateRelevanceCorpus(
      context.sizes.relevanceChunks,
      context.sizes.relevanceQuestions,
      RELEVANCE_SEED,
    );
    const generatedScores = await withDatabase(tier.url, 'ragchat_relevance_generated', async (db) => {
      const load = await runIngest(
        db,
        embedder,
        generated.documents,
        DOCUMENTS_IN_FLIGHT,
        EMBEDDING_CONCURRENCY,
      );
      section.note(
        `Generated corpus: ${load.chunks} chunks in ${load.documents} documents (ingested with the local embedder in ${load.seconds.toFixed(1)} s).`,
      );
      return evaluate(
        db,
        embedder,
        generated.questions.map(({ question, paragraph }) => ({
          question,
          isAnswer: (chunk) => chunk.content.includes(paragraph),
        })),
      );
    });
    report(section, `generated corpus (${generated.questions.length} questions)`, generatedScores);
    return { section, environment: `${tier.versions}, local embedder` };
  },
};

type Scores = Record<Mode, { hit: number; mrr: number }>;

async function evaluate(
  db: Database,
  embedder: Embedder,
  questions: readonly LabelledQuestion[],
): Promise<Scores> {
  const ranks: Record<Mode, number[]> = { 'vector only': [], 'lexical only': [], 'hybrid (shipped)': [] };
  for (const { question, isAnswer } of questions) {
    const request = { query: question, topK: MRR_K, minScore: 0 };
    const { chunks } = await retrieve(db, embedder, request);
    ranks['hybrid (shipped)'].push(rankOf(chunks, isAnswer));
    const sides = await retrieveSides(db, embedder, request);
    const rows = await chunkRows(db, [...sides.vector, ...sides.lexical]);
    const resolve = (list: readonly RankedCandidate[]) => list.slice(0, MRR_K).map(({ id }) => rows.get(id)!);
    ranks['vector only'].push(rankOf(resolve(sides.vector), isAnswer));
    ranks['lexical only'].push(rankOf(resolve(sides.lexical), isAnswer));
  }
  const scores = {} as Scores;
  for (const mode of MODES) {
    scores[mode] = {
      hit: mean(ranks[mode].map((rank) => (rank > 0 && rank <= HIT_K ? 1 : 0))),
      mrr: mean(ranks[mode].map((rank) => (rank > 0 ? 1 / rank : 0))),
    };
  }
  return scores;
}

function report(section: Section, corpus: string, scores: Scores): void {
  for (const mode of MODES) {
    section.figure(
      `${corpus}, ${mode}: hit@${HIT_K} / MRR@${MRR_K}`,
      `${scores[mode].hit.toFixed(3)} / ${scores[mode].mrr.toFixed(3)}`,
    );
  }
}

/** 1-based rank of the first answer chunk, 0 when none is listed. */
function rankOf(
  chunks: readonly { content: string; documentId: string }[],
  isAnswer: LabelledQuestion['isAnswer'],
): number {
  return chunks.findIndex(isAnswer) + 1;
}

async function chunkRows(db: Database, candidates: readonly RankedCandidate[]) {
  const rows = await db
    .knex('chunks')
    .whereIn(
      'id',
      candidates.map(({ id }) => id),
    )
    .select<{ id: string; content: string; document_id: string }[]>('id', 'content', 'document_id');
  return new Map(rows.map((row) => [row.id, { content: row.content, documentId: row.document_id }]));
}

/** A fresh database of its own on the run's cluster, dropped afterwards. */
async function withDatabase<T>(
  serverUrl: string,
  name: string,
  body: (db: Database) => Promise<T>,
): Promise<T> {
  await withClient(serverUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: 'postgres', connection: url.toString(), poolMax: 4 });
  try {
    return await body(db);
  } finally {
    await db.close();
    await withClient(serverUrl, (client) => client.query(`drop database ${name}`));
  }
}
