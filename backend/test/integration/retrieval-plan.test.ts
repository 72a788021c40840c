import { createLocalEmbedder } from '../../src/providers/local/embedder';
import { retrieve } from '../../src/retrieval/retrieve';
import { seedSampleCorpus } from '../../src/seed/seed-sample-corpus';
import { DATABASE_TIERS, useMigratedDatabase } from '../support/database-tiers';

const QUESTIONS = [
  'how do I deploy',
  'what is the process',
  'ECS Fargate tasks',
  '"blue green" deployment',
  'IAM roles for tasks',
  'pgvector hnsw index',
  'bedrock titan embeddings',
  'chunk overlap size',
  'secrets manager rotation',
  'gitops pull requests',
];

describe.each(DATABASE_TIERS)('retrieval statement plan on %s', (_label, tier) => {
  const database = useMigratedDatabase(tier);

  // PostgreSQL plans a prepared statement for its first five executions' values, then keeps one
  // generic plan unless the value-specific plans looked cheaper; at 100k chunks they did, and every
  // call was planned anew (about 1 ms of CPU of a 4–8 ms call).
  it('plans the retrieve statement for the first five calls only, then reuses one generic plan', async () => {
    const { db } = database;
    const embedder = createLocalEmbedder();
    await seedSampleCorpus(db, embedder);
    // A pool of one connection on both tiers here, so every call runs on the same session.
    await db.knex.transaction(async (trx) => {
      for (const query of QUESTIONS)
        await retrieve({ ...db, knex: trx }, embedder, { query, topK: 5, minScore: 0 });
      const { rows } = await trx.raw<{
        rows: { name: string; generic_plans: string; custom_plans: string }[];
      }>(
        "select name, generic_plans, custom_plans from pg_prepared_statements where name like 'ragchat-retrieve-%' order by name",
      );
      // The candidates statement (one connection: both sides in one); it also read the fused top K's
      // rows, so the statement reading further rows did not run.
      expect(rows.map((row) => [row.name, Number(row.custom_plans), Number(row.generic_plans)])).toEqual([
        ['ragchat-retrieve-40', 5, 5],
      ]);
    });
  }, 60_000);
});
