import { type Database, openDatabase } from '../../src/db/database';
import { MIGRATIONS_TABLE } from '../../src/db/migrate';
import { MIGRATION_NAMES } from '../../src/db/migrations';
import { chunkText } from '../../src/ingest/chunker';
import { countCorpus } from '../../src/ingest/documents';
import { ingestDocument } from '../../src/ingest/ingest-document';
import { SAMPLE_CORPUS } from '../../src/seed/corpus';
import { seedSampleCorpus } from '../../src/seed/seed-sample-corpus';
import { POSTGRES_TIER, type TestDatabase } from '../support/database-tiers';
import { testEmbedder } from '../support/embedders';
import { recomputedStatistics, storedStatistics } from './lexical-statistics';

/**
 * Several backend instances against one real PostgreSQL: each instance is its own pool, started at
 * the same moment. (The embedded tier is single-process by design, so this runs on PostgreSQL only.)
 */
const INSTANCES = 6;

const documentText = (topic: string) =>
  Array.from({ length: 16 }, (_, i) => `${topic} fact ${i}: containers, vectors and deployments.`).join(
    '\n\n',
  );

describe('several instances on one PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let instances: Database[] = [];

  beforeEach(async () => {
    testDatabase = await POSTGRES_TIER.createDatabase();
  });

  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    instances = [];
    await testDatabase.drop();
  });

  const startInstances = async () => {
    instances = await Promise.all(
      Array.from({ length: INSTANCES }, () => openDatabase(testDatabase.options)),
    );
    return instances;
  };

  it('migrate once and seed the sample corpus exactly once when started together', async () => {
    const started = await Promise.all(
      Array.from({ length: INSTANCES }, async () => {
        const db = await openDatabase(testDatabase.options);
        instances.push(db);
        return seedSampleCorpus(db, testEmbedder());
      }),
    );
    const [db] = instances;
    expect(started.filter((result) => result.seeded)).toEqual([
      { seeded: true, documents: SAMPLE_CORPUS.length },
    ]);
    expect(started.filter((result) => !result.seeded)).toHaveLength(INSTANCES - 1);
    expect(await db!.knex(MIGRATIONS_TABLE).pluck('name')).toEqual(MIGRATION_NAMES);
    expect((await countCorpus(db!)).documents).toBe(SAMPLE_CORPUS.length);
    const sources = await db!.knex('documents').pluck('source');
    expect(new Set(sources).size).toBe(SAMPLE_CORPUS.length);
    // Several migrations and one seed on a shared 2-core machine: correctness, not speed, is asserted.
  }, 60_000);

  it('store one copy when the same document is ingested by every instance at once', async () => {
    await startInstances();
    const results = await Promise.all(
      instances.map((db) =>
        ingestDocument(db, testEmbedder(), { title: 'Shared', content: documentText('same') }),
      ),
    );
    const ids = new Set(results.map((result) => result.documentId));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.status === 'created')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'unchanged')).toHaveLength(INSTANCES - 1);
    const counts = await countCorpus(instances[0]!);
    expect(counts).toEqual({ documents: 1, chunks: results[0]!.chunkCount });
  });

  it('keep exactly one whole version when instances replace the same source at once', async () => {
    await startInstances();
    const contents = instances.map((_, index) => documentText(`version ${index}`));
    const results = await Promise.all(
      instances.map((db, index) =>
        ingestDocument(db, testEmbedder(), {
          title: `v${index}`,
          content: contents[index]!,
          source: 'shared.md',
        }),
      ),
    );
    expect(new Set(results.map((result) => result.documentId)).size).toBe(1);
    expect(results.filter((result) => result.status === 'created')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'replaced')).toHaveLength(INSTANCES - 1);

    const db = instances[0]!;
    const stored = await db.knex('documents').where({ source: 'shared.md' }).select('id', 'content');
    expect(stored).toHaveLength(1);
    const chunkTexts = await db
      .knex('chunks')
      .where({ document_id: stored[0].id })
      .orderBy('ordinal')
      .pluck('content');
    // The chunks all belong to the stored version: nothing from the versions it replaced survives.
    expect(chunkTexts.length).toBeGreaterThan(1);
    expect(chunkTexts).toEqual(chunkText(stored[0].content));
    expect(contents).toContain(stored[0].content);
  });

  it('keep the lexical statistics exact under parallel ingest, replacement and delete, without deadlocks', async () => {
    await startInstances();
    // Every document shares most of its words with the others, so their counter rows overlap.
    const ingests = instances.flatMap((db, instance) =>
      Array.from({ length: 4 }, (_, round) =>
        ingestDocument(
          db,
          testEmbedder(),
          {
            title: `doc ${instance}-${round}`,
            content: documentText(`shared words ${instance} ${round} topic${instance * 4 + round}`),
            source: `parallel/${round % 2 === 0 ? `${instance}-${round}` : 'contended'}.md`,
          },
          { batchSize: 3 },
        ),
      ),
    );
    const results = await Promise.all(ingests);
    const db = instances[0]!;
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));

    await Promise.all(
      results
        .filter((result) => result.status === 'created')
        .slice(0, INSTANCES)
        .map((result, index) =>
          instances[index]!.knex('documents').where({ id: result.documentId }).delete(),
        ),
    );
    const after = await storedStatistics(db);
    expect(after).toEqual(await recomputedStatistics(db));
    expect(after.chunks).toBe((await countCorpus(db)).chunks);
  });
});
