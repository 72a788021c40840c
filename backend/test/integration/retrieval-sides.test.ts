import type { Knex } from 'knex';
import type pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database';
import { createLocalEmbedder } from '../../src/providers/local/embedder';
import { type RetrieveResult, retrieve } from '../../src/retrieval/retrieve';
import { seedSampleCorpus } from '../../src/seed/seed-sample-corpus';
import { DATABASE_TIERS, type TestDatabase } from '../support/database-tiers';

const QUESTIONS = [
  'how do I deploy',
  'ECS Fargate tasks',
  '"blue green" deployment',
  'pgvector hnsw index',
  'AfterAllowTestTraffic',
  'secrets manager rotation',
];

const embedder = createLocalEmbedder();

/** Chunk ids and scores: what a caller of retrieve() relies on, timings aside. */
function ranking(result: RetrieveResult): [string, number][] {
  return result.chunks.map((chunk) => [chunk.chunkId, Number(chunk.score.toFixed(12))]);
}

/**
 * The prepared statements of every connection the pool holds, idle ones included: name → custom
 * plans made, and executions.
 */
async function preparedStatementsOfPool(
  db: Database,
): Promise<Map<string, { customPlans: number; executions: number }>[]> {
  const client = db.knex.client as Knex.Client;
  const pool = client.pool as { numFree(): number };
  const connections = (await Promise.all(
    Array.from({ length: pool.numFree() }, () => client.acquireConnection()),
  )) as pg.ClientBase[];
  try {
    return await Promise.all(
      connections.map(async (connection) => {
        const { rows } = await connection.query<{
          name: string;
          custom_plans: string;
          generic_plans: string;
        }>(
          "select name, custom_plans, generic_plans from pg_prepared_statements where name like 'ragchat-retrieve-%'",
        );
        return new Map(
          rows.map((row) => [
            row.name,
            {
              customPlans: Number(row.custom_plans),
              executions: Number(row.custom_plans) + Number(row.generic_plans),
            },
          ]),
        );
      }),
    );
  } finally {
    for (const connection of connections) await client.releaseConnection(connection);
  }
}

describe.each(DATABASE_TIERS)('retrieval sides on %s', (_label, tier) => {
  let testDatabase: TestDatabase | undefined;
  let db: Database;
  beforeAll(async () => {
    testDatabase = await tier.createDatabase();
    db = await openDatabase(testDatabase.options);
    await seedSampleCorpus(db, embedder);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await testDatabase?.drop();
  }, 60_000);

  // Each side's best topK come with their rows: for these questions the fused top 5 is always
  // among them, and the statement reading further rows never runs.
  it('runs the vector and lexical sides on two connections when the pool has one to spare (server tier), reading no further rows', async () => {
    for (const query of QUESTIONS) await retrieve(db, embedder, { query, topK: 5, minScore: 0 });
    const names = new Set(
      (await preparedStatementsOfPool(db)).flatMap((statements) => [...statements.keys()]),
    );
    const expected =
      tier.kind === 'postgres'
        ? ['ragchat-retrieve-lexical-40', 'ragchat-retrieve-vector-40']
        : ['ragchat-retrieve-40'];
    expect([...names].sort()).toEqual(expected);
  }, 60_000);

  // Its lexical side is a statistics lookup: not worth a second connection and statement.
  it('runs a question whose words found nothing before as one statement', async () => {
    const request = { query: 'zyzzyva quokkalicious', topK: 5, minScore: 0 };
    const oneStatementCalls = async () =>
      (await preparedStatementsOfPool(db)).reduce(
        (sum, statements) => sum + (statements.get('ragchat-retrieve-40')?.executions ?? 0),
        0,
      );
    await retrieve(db, embedder, request);
    const before = await oneStatementCalls();
    await retrieve(db, embedder, request);
    await retrieve(db, embedder, request);
    expect(await oneStatementCalls()).toBe(before + 2);
  }, 60_000);

  it('answers the same on two connections as with one statement on one connection', async () => {
    for (const query of QUESTIONS) {
      const request = { query, topK: 8, minScore: 0 };
      const pooled = await retrieve(db, embedder, request);
      // A transaction has one connection: the one-statement path.
      const single = await db.knex.transaction((trx) => retrieve({ ...db, knex: trx }, embedder, request));
      expect(ranking(pooled)).toEqual(ranking(single));
      expect(pooled.chunks.length).toBeGreaterThan(0);
    }
  }, 60_000);

  it('plans each side once per connection, then reuses its generic plan', async () => {
    for (let round = 0; round < 3; round++) {
      for (const query of QUESTIONS) await retrieve(db, embedder, { query, topK: 5, minScore: 0 });
    }
    for (const statements of await preparedStatementsOfPool(db)) {
      for (const [name, { customPlans }] of statements) {
        expect([name, Math.min(customPlans, 5)]).toEqual([name, customPlans]);
      }
    }
  }, 60_000);

  it('plans the statement reading further rows once per connection too', async () => {
    const request = { query: 'pgvector hnsw index', topK: 3, minScore: 0 };
    const { documentId: hidden } = (await retrieve(db, embedder, request)).chunks[0]!;
    await db.knex('documents').where({ id: hidden }).increment('live_generation', 1000);
    try {
      for (let call = 0; call < 12; call++) await retrieve(db, embedder, request);
    } finally {
      await db.knex('documents').where({ id: hidden }).decrement('live_generation', 1000);
    }
    const reads = (await preparedStatementsOfPool(db))
      .map((statements) => statements.get('ragchat-retrieve-chunks'))
      .filter((statement) => statement !== undefined);
    expect(reads.reduce((sum, { executions }) => sum + executions, 0)).toBeGreaterThanOrEqual(12);
    for (const { customPlans } of reads) expect(customPlans).toBeLessThanOrEqual(5);
  }, 60_000);

  it('reads further candidates when the rows read with the candidates are not visible', async () => {
    const request = { query: 'pgvector hnsw index', minScore: 0 };
    const before = await retrieve(db, embedder, { ...request, topK: 10 });
    const hidden = before.chunks[0]!.documentId;
    const expected = before.chunks.filter((chunk) => chunk.documentId !== hidden).slice(0, 3);
    // A new version being written: the document's published generation is not its chunks' any more.
    await db.knex('documents').where({ id: hidden }).increment('live_generation', 1000);
    try {
      const after = await retrieve(db, embedder, { ...request, topK: 3 });
      expect(after.chunks.map((chunk) => chunk.documentId)).not.toContain(hidden);
      expect(ranking(after)).toEqual(ranking({ ...before, chunks: expected }));
      expect(after.chunks.map((chunk) => chunk.content)).toEqual(expected.map((chunk) => chunk.content));
    } finally {
      await db.knex('documents').where({ id: hidden }).decrement('live_generation', 1000);
    }
  }, 60_000);

  it('never deadlocks with more calls in flight than the pool has connections', async () => {
    const options = testDatabase!.options;
    // PGlite's data directory is locked by `db`: its pool of one is exercised through `db` itself.
    const small = options.kind === 'postgres' ? await openDatabase({ ...options, poolMax: 2 }) : db;
    try {
      const requests = Array.from({ length: 24 }, (_, index) => ({
        query: QUESTIONS[index % QUESTIONS.length]!,
        topK: 5,
        minScore: 0,
      }));
      const sequential: [string, number][][] = [];
      for (const request of requests) sequential.push(ranking(await retrieve(small, embedder, request)));
      const concurrent = await Promise.all(requests.map((request) => retrieve(small, embedder, request)));
      expect(concurrent.map(ranking)).toEqual(sequential);
    } finally {
      if (small !== db) await small.close();
    }
  }, 60_000);
});
