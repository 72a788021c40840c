import type { Knex } from 'knex';
import { type Database, openDatabase } from '../../src/db/database';
import { ingestDocument } from '../../src/ingest/ingest-document';
import { retrieve } from '../../src/retrieval/retrieve';
import { EMBEDDED_TIER, type TestDatabase } from '../support/database-tiers';
import { testEmbedder } from '../support/embedders';

/** Opening PGlite runs initdb in WebAssembly: seconds, not milliseconds, on a busy machine. */
const OPEN_TIMEOUT_MS = 60_000;

/** Makes the pool drop its one connection, as it does when it reaps an idle one or the connection failed. */
async function retireConnection(db: Database): Promise<void> {
  const client = db.knex.client as Knex.Client;
  const connection = await client.acquireConnection();
  // knex's pg dialect marks a connection it must not reuse so; the pool validates it on the next acquire.
  connection.__knex__disposed = 'retired by the test';
  await client.releaseConnection(connection);
}

describe('the embedded tier on its one PGlite session', () => {
  let testDatabase: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDatabase = await EMBEDDED_TIER.createDatabase();
    db = await openDatabase(testDatabase.options);
    await ingestDocument(db, testEmbedder(), {
      title: 'Harbour cranes',
      content: 'The harbour cranes lift containers from ships.\n\nEach crane is inspected every spring.',
    });
  }, OPEN_TIMEOUT_MS);

  afterAll(async () => {
    await db?.close();
    await testDatabase?.drop();
  }, OPEN_TIMEOUT_MS);

  const ask = () =>
    retrieve(db, testEmbedder(), { query: 'when are the cranes inspected', topK: 3, minScore: 0 });

  it('runs the retriever on a connection the pool opens anew, where an earlier one prepared its statements', async () => {
    const before = (await ask()).chunks;
    expect(before.length).toBeGreaterThan(0);
    await retireConnection(db);
    expect((await ask()).chunks).toEqual(before);
  });

  it("answers a failing statement with PostgreSQL's error and keeps serving", async () => {
    await expect(db.knex.raw('select 1 / 0')).rejects.toMatchObject({ code: '22012' });
    await expect(db.knex.raw('select ?::integer', ['not a number'])).rejects.toMatchObject({ code: '22P02' });
    await expect(
      db.knex.transaction(async (trx) => {
        await trx('documents').insert({ title: 'never kept' });
      }),
    ).rejects.toThrow();
    expect((await db.knex.raw<{ rows: { one: number }[] }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    expect((await ask()).chunks.length).toBeGreaterThan(0);
  });
});
