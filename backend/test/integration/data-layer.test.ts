import { type Database, openDatabase } from '../../src/db/database';
import { MIGRATIONS_TABLE } from '../../src/db/migrate';
import { MIGRATION_NAMES } from '../../src/db/migrations';
import { HNSW_EF_SEARCH } from '../../src/db/session-settings';
import { AppError } from '../../src/errors';
import { chunkText } from '../../src/ingest/chunker';
import { countCorpus, deleteDocument, getDocument, listDocuments } from '../../src/ingest/document-store';
import { claimEmbeddingModel, EmbeddingModelMismatchError } from '../../src/ingest/embedding-model';
import { ingestDocument } from '../../src/ingest/ingest-document';
import { EMBEDDING_DIMENSIONS, type Embedder } from '../../src/pipeline/types';
import { retrieve } from '../../src/retrieval/retrieve';
import { SAMPLE_CORPUS } from '../../src/seed/corpus';
import { seedSampleCorpus } from '../../src/seed/seed-sample-corpus';
import { DATABASE_TIERS, type TestDatabase } from '../support/database-tiers';
import { testEmbedder } from '../support/embedders';
import { recomputedStatistics, storedStatistics } from './lexical-statistics';

/** Several paragraphs so the default chunker produces more than three chunks. */
function longDocument(topic: string): string {
  return Array.from(
    { length: 6 },
    (_, paragraph) =>
      `${topic} paragraph ${paragraph}. ` +
      Array.from(
        { length: 4 },
        (_, sentence) => `Sentence ${sentence} explains ${topic} in plain words.`,
      ).join(' '),
  ).join('\n\n');
}

/** A deterministic pseudo-random unit vector. */
function unitVector(seed: number): number[] {
  let state = seed >>> 0;
  const values = Array.from({ length: EMBEDDING_DIMENSIONS }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  });
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

/** An embedder answering each known text with its prepared vector. */
function tableEmbedder(vectors: ReadonlyMap<string, number[]>): Embedder {
  return {
    model: 'table-embedder',
    async embed(text) {
      const vector = vectors.get(text);
      if (vector === undefined) throw new Error(`no vector prepared for "${text}"`);
      return vector;
    },
  };
}

async function tableCounts(db: Database): Promise<{ documents: number; chunks: number }> {
  return countCorpus(db);
}

/** Opening PGlite runs initdb in WebAssembly: seconds, not milliseconds, on a busy machine. */
const OPEN_TIMEOUT_MS = 60_000;

describe.each(DATABASE_TIERS)('data layer on %s', (_label, tier) => {
  let testDatabase: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDatabase = await tier.createDatabase();
    db = await openDatabase(testDatabase.options);
  }, OPEN_TIMEOUT_MS);

  afterAll(async () => {
    await db?.close();
    await testDatabase?.drop();
  }, OPEN_TIMEOUT_MS);

  /** Runs `body` while a trigger makes PostgreSQL reject any chunk with ordinal 2. */
  const withThirdChunkRejected = async (body: () => Promise<void>) => {
    await db.knex.raw(`
      create function reject_third_chunk() returns trigger language plpgsql as $$
      begin
        raise exception 'test trigger rejects chunk %', new.ordinal;
      end $$`);
    await db.knex.raw(
      'create trigger reject_third_chunk before insert on chunks for each row when (new.ordinal = 2) execute function reject_third_chunk()',
    );
    try {
      await body();
    } finally {
      await db.knex.raw('drop trigger reject_third_chunk on chunks');
      await db.knex.raw('drop function reject_third_chunk()');
    }
  };

  const deleteAllDocuments = async () => {
    await db.knex('documents').delete();
  };

  describe('migrations', () => {
    beforeEach(deleteAllDocuments);

    it('creates the schema with the vector extension, the HNSW index and lexical postings, and reports ready', async () => {
      expect(db.kind).toBe(tier.kind);
      await expect(db.checkReadiness()).resolves.toEqual({ ready: true });
      const indexes = await db.knex('pg_indexes').where({ tablename: 'chunks' }).pluck('indexdef');
      expect(indexes).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /USING hnsw \(embedding vector_cosine_ops\) WITH \(m='?16'?, ef_construction='?128'?\)/,
          ),
        ]),
      );
      // The lexical side reads postings (migration 008), so chunks carry no full-text index to maintain.
      expect(indexes.filter((definition: string) => /USING gin/.test(definition))).toEqual([]);
      const postings = await db.knex('pg_indexes').where({ tablename: 'lexical_postings' }).pluck('indexdef');
      expect(postings).toEqual([expect.stringMatching(/USING btree \(term, chunk_length, chunk_id\)/)]);
      const settings = await db.knex.raw<{ rows: { ef_search: string }[] }>(
        "select current_setting('hnsw.ef_search') as ef_search",
      );
      expect(settings.rows[0]?.ef_search).toBe(String(HNSW_EF_SEARCH));
      // Inline vectors keep the planner on HNSW for small tables (see migration 003).
      const storage = await db.knex.raw<{ rows: { attstorage: string }[] }>(
        "select attstorage from pg_attribute where attrelid = 'chunks'::regclass and attname = 'embedding'",
      );
      expect(storage.rows[0]?.attstorage).toBe('p');
    });

    it(
      'reports not ready once closed, then reopens applying nothing and keeping the data',
      async () => {
        const { documentId } = await ingestDocument(db, testEmbedder(), {
          title: 'Kept',
          content: 'Data that survives.',
        });
        await db.close();
        await expect(db.close()).resolves.toBeUndefined();
        expect(await db.checkReadiness()).toEqual({
          ready: false,
          reason: expect.stringMatching(/^database unreachable: /),
        });
        await expect(db.ping()).rejects.toThrow();

        db = await openDatabase(testDatabase.options);
        expect(await db.knex(MIGRATIONS_TABLE).pluck('name')).toEqual(MIGRATION_NAMES);
        expect((await getDocument(db, documentId))?.content).toBe('Data that survives.');
        await expect(db.checkReadiness()).resolves.toEqual({ ready: true });
      },
      OPEN_TIMEOUT_MS,
    );
    it(
      tier.kind === 'embedded'
        ? 'refuses a second engine on the same data directory while it is open'
        : 'serves a second instance on the same database',
      async () => {
        if (tier.kind === 'embedded') {
          // PGlite has no postmaster lock: a second engine on the directory would corrupt it.
          await expect(openDatabase(testDatabase.options)).rejects.toThrow(/is already open in this process/);
        } else {
          const second = await openDatabase(testDatabase.options);
          await expect(second.checkReadiness()).resolves.toEqual({ ready: true });
          await second.close();
        }
        await expect(db.checkReadiness()).resolves.toEqual({ ready: true });
      },
      OPEN_TIMEOUT_MS,
    );
  });

  describe('embedding model of the corpus', () => {
    beforeEach(async () => {
      await deleteAllDocuments();
      await db.knex('corpus_settings').delete();
    });

    it('is claimed by the first model, kept while chunks exist, and adopted anew by an empty corpus', async () => {
      await claimEmbeddingModel(db, 'model-a');
      await ingestDocument(db, testEmbedder(), { title: 'Doc', content: longDocument('routing') });
      await expect(claimEmbeddingModel(db, 'model-a')).resolves.toBeUndefined();

      const mismatch = claimEmbeddingModel(db, 'model-b');
      await expect(mismatch).rejects.toBeInstanceOf(EmbeddingModelMismatchError);
      await expect(mismatch).rejects.toThrow(/made by 'model-a'.*embeds with 'model-b'/);
      expect(await db.knex('corpus_settings').pluck('embedding_model')).toEqual(['model-a']);

      await deleteAllDocuments();
      await claimEmbeddingModel(db, 'model-b');
      expect(await db.knex('corpus_settings').pluck('embedding_model')).toEqual(['model-b']);
    });
  });

  describe('ingestion', () => {
    beforeEach(deleteAllDocuments);

    it('stores a new document with every chunk embedded, in order', async () => {
      const content = longDocument('Fargate');
      const embedder = testEmbedder();
      const result = await ingestDocument(db, embedder, {
        title: '  Fargate notes ',
        content,
        metadata: { team: 'platform' },
        source: 'notes/fargate.md',
      });
      const expectedChunks = chunkText(content);
      expect(expectedChunks.length).toBeGreaterThan(1);
      expect(result).toEqual({
        documentId: expect.any(String),
        status: 'created',
        chunkCount: expectedChunks.length,
      });
      expect(embedder.calls).toBe(expectedChunks.length);

      const rows = await db
        .knex('chunks')
        .where({ document_id: result.documentId })
        .orderBy('ordinal')
        .select('ordinal', 'content', 'embedding');
      expect(rows.map((row) => row.content)).toEqual(expectedChunks);
      expect(rows.map((row) => row.ordinal)).toEqual(expectedChunks.map((_, index) => index));
      // pgvector types are registered on the pool: embeddings come back as number arrays.
      expect(rows[0].embedding).toHaveLength(EMBEDDING_DIMENSIONS);

      const stored = await getDocument(db, result.documentId);
      expect(stored).toMatchObject({
        title: 'Fargate notes',
        source: 'notes/fargate.md',
        content,
        metadata: { team: 'platform' },
        chunkCount: expectedChunks.length,
      });
    });

    it('treats identical content as a no-op: same id, no embedding, no new rows', async () => {
      const first = await ingestDocument(db, testEmbedder(), {
        title: 'Original',
        content: longDocument('ECS'),
      });
      const before = await tableCounts(db);
      const embedder = testEmbedder();
      const again = await ingestDocument(db, embedder, {
        title: 'Another title',
        content: longDocument('ECS'),
      });
      expect(again).toEqual({
        documentId: first.documentId,
        status: 'unchanged',
        chunkCount: first.chunkCount,
      });
      expect(embedder.calls).toBe(0);
      expect(await tableCounts(db)).toEqual(before);
      expect((await getDocument(db, first.documentId))?.title).toBe('Original');
    });

    it('replaces the document with the same source: same id, new content and chunks only', async () => {
      const first = await ingestDocument(db, testEmbedder(), {
        title: 'Guide v1',
        content: longDocument('blue green'),
        source: 'guides/deploy.md',
      });
      const oldChunkIds = await db.knex('chunks').where({ document_id: first.documentId }).pluck('id');
      const second = await ingestDocument(db, testEmbedder(), {
        title: 'Guide v2',
        content: 'A short second version about canary deployments.',
        source: 'guides/deploy.md',
        metadata: { version: 2 },
      });
      expect(second).toEqual({ documentId: first.documentId, status: 'replaced', chunkCount: 1 });
      expect(await tableCounts(db)).toEqual({ documents: 1, chunks: 1 });
      expect(
        await db.knex('chunks').whereIn('id', oldChunkIds).count<{ count: string }[]>({ count: '*' }),
      ).toEqual([{ count: '0' }]);
      const stored = await getDocument(db, first.documentId);
      expect(stored).toMatchObject({ title: 'Guide v2', metadata: { version: 2 }, chunkCount: 1 });
      expect(stored?.content).toBe('A short second version about canary deployments.');
    });

    it('writes nothing when an embedding fails midway', async () => {
      const embedder = testEmbedder({ failOnCall: 3 });
      await expect(
        ingestDocument(db, embedder, { title: 'Doomed', content: longDocument('IAM') }, { concurrency: 1 }),
      ).rejects.toThrow('embedding failed on call 3');
      expect(embedder.calls).toBe(3);
      expect(await tableCounts(db)).toEqual({ documents: 0, chunks: 0 });
    });

    it('writes nothing when the database rejects a chunk batch midway', async () => {
      // With one chunk per INSERT, the third INSERT fails after the document row and two chunk
      // batches were written inside the transaction.
      await withThirdChunkRejected(async () => {
        await expect(
          ingestDocument(
            db,
            testEmbedder(),
            { title: 'Doomed', content: longDocument('HNSW') },
            { concurrency: 1, batchSize: 1 },
          ),
        ).rejects.toThrow(/test trigger rejects chunk 2/);
      });
      expect(await tableCounts(db)).toEqual({ documents: 0, chunks: 0 });
    });

    it('keeps the old version intact when a replacement fails', async () => {
      const original = await ingestDocument(db, testEmbedder(), {
        title: 'Stable',
        content: longDocument('ECR'),
        source: 'stable.md',
      });
      await withThirdChunkRejected(async () => {
        await expect(
          ingestDocument(
            db,
            testEmbedder(),
            { title: 'Broken', content: longDocument('ECS tasks'), source: 'stable.md' },
            { concurrency: 1, batchSize: 1 },
          ),
        ).rejects.toThrow(/test trigger rejects chunk 2/);
      });
      const stored = await getDocument(db, original.documentId);
      expect(stored).toMatchObject({
        title: 'Stable',
        content: longDocument('ECR'),
        chunkCount: original.chunkCount,
      });
      expect(await tableCounts(db)).toEqual({ documents: 1, chunks: original.chunkCount });
    });

    it('rejects invalid documents with a 400 before embedding anything', async () => {
      const embedder = testEmbedder();
      const attempts = [
        { title: ' ', content: 'text' },
        { title: 'Title', content: ' \n ' },
        { title: 'Title', content: 'text', source: '  ' },
        // What a JavaScript caller could pass despite the types.
        { title: 'Title', content: 'text', metadata: JSON.parse('["not", "an", "object"]') },
      ];
      for (const input of attempts) {
        const error = await ingestDocument(db, embedder, input).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ status: 400, code: 'invalid_document' });
      }
      expect(embedder.calls).toBe(0);
      expect(await tableCounts(db)).toEqual({ documents: 0, chunks: 0 });
    });

    it('rejects an embedding of the wrong size before opening a transaction', async () => {
      const embedder = testEmbedder({ failOnCall: 1, badVector: [0.5, 0.5] });
      await expect(
        ingestDocument(db, embedder, { title: 'Short vector', content: 'Some text.' }),
      ).rejects.toThrow(`expected ${EMBEDDING_DIMENSIONS} finite float4 numbers, got 2`);
      expect(await tableCounts(db)).toEqual({ documents: 0, chunks: 0 });
    });
  });

  describe('document queries', () => {
    beforeEach(deleteAllDocuments);

    it('lists newest first with a total, gets, and deletes with cascade', async () => {
      const ids: string[] = [];
      for (const name of ['one', 'two', 'three']) {
        ids.push(
          (await ingestDocument(db, testEmbedder(), { title: name, content: longDocument(name) })).documentId,
        );
      }
      const firstPage = await listDocuments(db, { limit: 2, offset: 0 });
      expect(firstPage.total).toBe(3);
      expect(firstPage.items.map((item) => item.title)).toEqual(['three', 'two']);
      expect(firstPage.items[0]).toEqual({
        id: ids[2],
        title: 'three',
        source: null,
        metadata: {},
        format: 'text',
        fileSha256: null,
        chunkCount: expect.any(Number),
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect((await listDocuments(db, { limit: 2, offset: 2 })).items.map((item) => item.title)).toEqual([
        'one',
      ]);
      expect(await listDocuments(db, { limit: 5, offset: 10 })).toEqual({ items: [], total: 3 });

      expect(await deleteDocument(db, ids[1]!)).toBe(true);
      expect(await deleteDocument(db, ids[1]!)).toBe(false);
      expect(await getDocument(db, ids[1]!)).toBeUndefined();
      expect(
        await db.knex('chunks').where({ document_id: ids[1] }).count<{ count: string }[]>({ count: '*' }),
      ).toEqual([{ count: '0' }]);
      expect((await countCorpus(db)).documents).toBe(2);
    });

    it('answers malformed ids with "not found" and refuses paging HTTP would never pass', async () => {
      expect(await getDocument(db, 'not-a-uuid')).toBeUndefined();
      expect(await deleteDocument(db, "1' or '1'='1")).toBe(false);
      await expect(listDocuments(db, { limit: 0, offset: 0 })).rejects.toThrow(RangeError);
      await expect(listDocuments(db, { limit: 101, offset: 0 })).rejects.toThrow(RangeError);
      await expect(listDocuments(db, { limit: 10, offset: -1 })).rejects.toThrow(RangeError);
    });
  });

  describe('lexical statistics', () => {
    const embedder = testEmbedder();

    it('match the stored chunks after ingest, replacement, a failed write and delete', async () => {
      await deleteAllDocuments();
      expect(await storedStatistics(db)).toEqual({ chunks: 0, lexemes: 0, terms: {} });
      const first = await ingestDocument(db, embedder, {
        title: 'Alpha',
        content: longDocument('alpha rollout'),
        source: 'stats/alpha.md',
      });
      await ingestDocument(db, embedder, { title: 'Beta', content: longDocument('beta canary') });
      const afterIngest = await storedStatistics(db);
      expect(afterIngest).toEqual(await recomputedStatistics(db));
      expect(afterIngest.terms.canari).toBeGreaterThan(0);

      await ingestDocument(db, embedder, {
        title: 'Alpha',
        content: longDocument('gamma'),
        source: 'stats/alpha.md',
      });
      const afterReplace = await storedStatistics(db);
      expect(afterReplace).toEqual(await recomputedStatistics(db));
      expect(afterReplace.terms.rollout).toBeUndefined();

      await withThirdChunkRejected(async () => {
        await expect(
          ingestDocument(db, embedder, { title: 'Delta', content: longDocument('delta') }),
        ).rejects.toThrow('test trigger rejects chunk 2');
      });
      expect(await storedStatistics(db)).toEqual(afterReplace);

      await deleteDocument(db, first.documentId);
      expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
      await deleteAllDocuments();
      expect(await storedStatistics(db)).toEqual({ chunks: 0, lexemes: 0, terms: {} });
    });
  });

  describe('fusion with words every chunk contains', () => {
    const neighbours = [7, 3, 11, 20, 25];
    // The other chunks repeat the common words: a rank that ignores how common a word is (ts_rank_cd)
    // puts them first, and fusion then let them push the true neighbours out.
    const texts = Array.from({ length: 30 }, (_, i) =>
      neighbours.includes(i)
        ? `Deploy the service through the release process, step ${i}.`
        : `Deploy the service, the release process: deploy the service through the release process, step ${i}.`,
    );
    const query = 'how do I deploy the service with the release process';
    const mixture = neighbours
      .map((row, rank) => unitVector(row + 1).map((value) => value * (1 - rank * 0.15)))
      .reduce((sum, vector) => sum.map((value, i) => value + vector[i]!));
    const norm = Math.hypot(...mixture);
    const embedder = tableEmbedder(
      new Map([
        ...texts.map((text, row): [string, number[]] => [text, unitVector(row + 1)]),
        [query, mixture.map((value) => value / norm)],
      ]),
    );

    beforeAll(async () => {
      await deleteAllDocuments();
      for (const [row, text] of texts.entries()) {
        await ingestDocument(db, embedder, { title: `Step ${row}`, content: text });
      }
    });

    afterAll(deleteAllDocuments);

    it('keeps the exact vector neighbours, in order, when the lexical side carries no signal', async () => {
      const { chunks } = await retrieve(db, embedder, { query, topK: 5, minScore: 0 });
      expect(chunks.map((chunk) => chunk.content)).toEqual(neighbours.map((row) => texts[row]));
    });

    it('still lets a rare word bring its chunk first', async () => {
      const rare = 'release process step 17';
      const withRare = tableEmbedder(new Map([[rare, unitVector(999)]]));
      const { chunks } = await retrieve(db, withRare, { query: rare, topK: 5, minScore: 0 });
      expect(chunks[0]?.content).toBe(texts[17]);
    });
  });

  describe('quoted phrases', () => {
    const texts = [
      'Every token has a key; the signing happens before the token expires.',
      'Rotate the signing key of every running service well before its old token finally expires.',
      'Signing and key rotation are unrelated to how the token expires.',
    ];
    const query = '"signing key" token';
    const embedder = tableEmbedder(
      new Map([...texts, query].map((text, row): [string, number[]] => [text, unitVector(500 + row)])),
    );

    beforeAll(async () => {
      await deleteAllDocuments();
      for (const [row, text] of texts.entries()) {
        await ingestDocument(db, embedder, { title: `Phrase ${row}`, content: text });
      }
    });

    afterAll(deleteAllDocuments);

    it('rank the chunk holding the exact phrase above chunks holding the same words apart', async () => {
      const { chunks } = await retrieve(db, embedder, { query, topK: 3, minScore: 0 });
      expect(chunks[0]?.content).toBe(texts[1]);
    });
  });

  describe('seeding and retrieval', () => {
    const embedder = testEmbedder();
    let firstSeed: unknown;

    // Retrieval tests only read, so the corpus is seeded once for all of them.
    beforeAll(async () => {
      await deleteAllDocuments();
      firstSeed = await seedSampleCorpus(db, embedder);
    });

    const topSource = async (query: string) => {
      const { chunks } = await retrieve(db, embedder, { query, topK: 5, minScore: 0.05 });
      const top = chunks[0];
      return top === undefined ? undefined : (await getDocument(db, top.documentId))?.source;
    };

    it('seeds the sample corpus once, and never over existing documents', async () => {
      expect(firstSeed).toEqual({ seeded: true, documents: SAMPLE_CORPUS.length });
      const before = await countCorpus(db);
      expect(before.documents).toBe(SAMPLE_CORPUS.length);
      const callsBefore = embedder.calls;
      await expect(seedSampleCorpus(db, embedder)).resolves.toEqual({ seeded: false, documents: 0 });
      expect(embedder.calls).toBe(callsBefore);
      expect(await countCorpus(db)).toEqual(before);
    });

    it('finds the document that answers the question', async () => {
      expect(await topSource('How does an HNSW index speed up nearest neighbour search?')).toBe(
        'sample-corpus/pgvector-hnsw.md',
      );
      expect(await topSource('What is the test listener used for in blue/green deployments?')).toBe(
        'sample-corpus/blue-green.md',
      );
      expect(await topSource('Which IAM role pulls the container image?')).toBe(
        'sample-corpus/iam-security.md',
      );
      expect(await topSource('How should clients retry Bedrock throttling errors?')).toBe(
        'sample-corpus/bedrock.md',
      );
      expect(await topSource('reciprocal rank fusion')).toBe('sample-corpus/hybrid-search.md');
    });

    it('returns scores in [0, 1], best first, within topK, with timings', async () => {
      const result = await retrieve(db, embedder, {
        query: 'Fargate tasks and containers',
        topK: 3,
        minScore: 0,
      });
      expect(result.chunks).toHaveLength(3);
      const scores = result.chunks.map((chunk) => chunk.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(scores.every((score) => score > 0 && score <= 1)).toBe(true);
      expect(result.chunks[0]).toEqual({
        chunkId: expect.any(String),
        documentId: expect.any(String),
        title: 'Running containers on Amazon ECS with Fargate',
        content: expect.stringContaining('Fargate'),
        score: expect.any(Number),
        metadata: { collection: 'sample', topic: 'containers' },
      });
      expect(result.timings.embeddingMs).toBeGreaterThanOrEqual(0);
      expect(result.timings.retrievalMs).toBeGreaterThan(0);
    });

    it('returns nothing for an unrelated question above the cutoff', async () => {
      const related = await retrieve(db, embedder, {
        query: 'chocolate cake recipe with strawberries',
        topK: 5,
        minScore: 0,
      });
      expect(related.chunks.length).toBeGreaterThan(0);
      const cut = await retrieve(db, embedder, {
        query: 'chocolate cake recipe with strawberries',
        topK: 5,
        minScore: 0.05,
      });
      expect(cut.chunks).toEqual([]);
    });

    it('finds exact terms through full-text search even when their embedding is weak', async () => {
      const { chunks } = await retrieve(db, embedder, {
        query: 'AfterAllowTestTraffic',
        topK: 3,
        minScore: 0,
      });
      expect(chunks[0]?.content).toContain('AfterAllowTestTraffic');
      // Among common words, the rare term still brings its chunk in (per-term candidate lookups).
      const among = await retrieve(db, embedder, {
        query: 'what does the AfterAllowTestTraffic hook run for services and tasks',
        topK: 10,
        minScore: 0,
      });
      expect(among.chunks.some((chunk) => chunk.content.includes('AfterAllowTestTraffic'))).toBe(true);
    });

    it('keeps only documents whose metadata contains the filter', async () => {
      const delivery = await retrieve(db, embedder, {
        query: 'containers and IAM roles',
        topK: 10,
        minScore: 0,
        filter: { topic: 'delivery' },
      });
      expect(delivery.chunks.length).toBeGreaterThan(0);
      expect(delivery.chunks.every((chunk) => chunk.metadata.topic === 'delivery')).toBe(true);
      // The filter applies to full-text matches too: the only chunk naming this hook is not security.
      const security = await retrieve(db, embedder, {
        query: 'AfterAllowTestTraffic',
        topK: 10,
        minScore: 0,
        filter: { topic: 'security' },
      });
      expect(security.chunks.every((chunk) => chunk.metadata.topic === 'security')).toBe(true);
      expect(security.chunks.some((chunk) => chunk.content.includes('AfterAllowTestTraffic'))).toBe(false);
      const none = await retrieve(db, embedder, {
        query: 'containers',
        topK: 10,
        minScore: 0,
        filter: { topic: 'cooking' },
      });
      expect(none.chunks).toEqual([]);
    });

    it('bounds topK to 1..20 and refuses requests HTTP would never pass', async () => {
      expect((await retrieve(db, embedder, { query: 'ECS', topK: 1, minScore: 0 })).chunks).toHaveLength(1);
      expect(
        (await retrieve(db, embedder, { query: 'ECS', topK: 20, minScore: 0 })).chunks.length,
      ).toBeLessThanOrEqual(20);
      for (const topK of [0, 21, 2.5]) {
        await expect(retrieve(db, embedder, { query: 'ECS', topK, minScore: 0 })).rejects.toThrow(RangeError);
      }
      for (const query of ['  ', 'ECS\u0000']) {
        await expect(retrieve(db, embedder, { query, topK: 5, minScore: 0 })).rejects.toThrow(RangeError);
      }
      await expect(retrieve(db, embedder, { query: 'ECS', topK: 5, minScore: 1.5 })).rejects.toThrow(
        RangeError,
      );
    });

    it('rejects a query embedding of the wrong size with an error naming the embedder', async () => {
      const broken = testEmbedder({ failOnCall: 1, badVector: [0.1, 0.2, 0.3] });
      await expect(retrieve(db, broken, { query: 'ECS', topK: 5, minScore: 0 })).rejects.toThrow(
        `Embedder ${broken.model} returned an invalid embedding for the query`,
      );
    });

    it('treats search syntax and SQL-looking text as plain words', async () => {
      const queries = [
        '"blue green" or canary -rollback',
        "'); drop table chunks; --",
        '!!! & | :*',
        'the of and',
        "e-mail v0.8.0 it's Größe",
      ];
      for (const query of queries) {
        await expect(retrieve(db, embedder, { query, topK: 5, minScore: 0 })).resolves.toBeDefined();
      }
      expect((await countCorpus(db)).documents).toBe(SAMPLE_CORPUS.length);
    });
  });
});
