import type { Knex } from 'knex';
import type { Database } from '../../src/db/database';
import { countCorpus, getDocument, getPassage, listDocuments } from '../../src/ingest/document-store';
import { ingestDocument, sha256 } from '../../src/ingest/ingest-document';
import type { Embedder } from '../../src/pipeline/types';
import { retrieve } from '../../src/retrieval/retrieve';
import { DATABASE_TIERS, POSTGRES_TIER, useMigratedDatabase } from '../support/database-tiers';
import { testEmbedder } from '../support/embedders';
import { recomputedStatistics, storedStatistics } from './lexical-statistics';

/** Twelve short paragraphs about `topic`: twelve chunks at the default chunk size. */
function twelveChunks(topic: string): string {
  return Array.from(
    { length: 12 },
    (_, paragraph) =>
      `${topic} paragraph ${paragraph}. ${`The ${topic} section explains it in plain words. `.repeat(8)}`,
  ).join('\n\n');
}

/** The pooled connections (knex's ids) that sent multi-row INSERTs into `chunks`. */
function watchChunkWriters(knex: Knex): { readonly connections: ReadonlySet<string>; stop(): void } {
  const connections = new Set<string>();
  const onQuery = (query: { sql: string; __knexUid?: string }) => {
    if (/^insert into "chunks"/.test(query.sql)) connections.add(query.__knexUid ?? 'unknown');
  };
  knex.on('query', onQuery);
  return { connections, stop: () => knex.removeListener('query', onQuery) };
}

/** Embeds the first `openCalls` calls at once; later ones wait until `release()` (at most 20 s). */
function heldEmbedder(openCalls: number): Embedder & { release(): void } {
  const inner = testEmbedder();
  let released = false;
  return {
    model: inner.model,
    release: () => {
      released = true;
    },
    async embed(text, signal) {
      if (inner.calls >= openCalls) {
        const deadline = Date.now() + 20_000;
        while (!released && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return inner.embed(text, signal);
    },
  };
}

/** Every chunk row stored, visible or not: what committed writers have left in the table. */
async function storedChunkRows(db: Database): Promise<number> {
  const rows = await db.knex('chunks').count<{ count: string }[]>({ count: '*' });
  return Number(rows[0]!.count);
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function retrievedTitles(db: Database, query: string): Promise<string[]> {
  const { chunks } = await retrieve(db, testEmbedder(), { query, topK: 20, minScore: 0 });
  return chunks.map((chunk) => chunk.title);
}

// PGlite has one connection, so nothing else can read while a write holds it: these tests need a
// reader running beside the writers, which only the server tier has.
describe(`a document written by several connections on ${POSTGRES_TIER.label}`, () => {
  const database = useMigratedDatabase(POSTGRES_TIER);

  beforeEach(async () => {
    await database.db.knex('documents').delete();
  });

  it('commits batches from two connections and shows no reader any of them until the document is complete', async () => {
    const { db } = database;
    const writers = watchChunkWriters(db.knex);
    // Batches of 2: ten chunks are written, the last batch's calls wait.
    const embedder = heldEmbedder(10);
    const ingest = ingestDocument(
      db,
      embedder,
      { title: 'Pending', content: twelveChunks('zeppelin'), source: 'pending.md' },
      { batchSize: 2, concurrency: 2, writers: 2 },
    );
    try {
      await waitFor(async () => (await storedChunkRows(db)) >= 10, 'ten committed chunk rows');
      const [pending] = await db.knex('chunks').select('id', 'document_id').limit(1);
      expect(await countCorpus(db)).toEqual({ documents: 0, chunks: 0 });
      expect(await listDocuments(db, { limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
      expect(await getDocument(db, pending.document_id)).toBeUndefined();
      expect(await getPassage(db, pending.document_id, pending.id)).toBeUndefined();
      expect(await retrievedTitles(db, 'zeppelin section')).toEqual([]);
      // The statistics count what is stored, the pending chunks included (migration 009).
      expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
    } finally {
      embedder.release();
      await ingest.catch(() => {});
      writers.stop();
    }
    const result = await ingest;
    expect(result).toMatchObject({ status: 'created', chunkCount: 12 });
    expect(writers.connections.size).toBe(2);
    expect(await countCorpus(db)).toEqual({ documents: 1, chunks: 12 });
    expect(new Set(await retrievedTitles(db, 'zeppelin section'))).toEqual(new Set(['Pending']));
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  }, 30_000);

  it('keeps the old version whole until the new one is complete, then shows only the new one', async () => {
    const { db } = database;
    const original = await ingestDocument(db, testEmbedder(), {
      title: 'Old',
      content: twelveChunks('walrus'),
      source: 'guide.md',
    });
    const embedder = heldEmbedder(10);
    const replacement = ingestDocument(
      db,
      embedder,
      { title: 'New', content: twelveChunks('narwhal'), source: 'guide.md' },
      { batchSize: 2, concurrency: 2, writers: 2 },
    );
    try {
      await waitFor(async () => (await storedChunkRows(db)) >= 22, "the new version's first ten chunks");
      expect(await getDocument(db, original.documentId)).toMatchObject({
        title: 'Old',
        content: twelveChunks('walrus'),
        chunkCount: 12,
      });
      expect(await countCorpus(db)).toEqual({ documents: 1, chunks: 12 });
      expect(await retrievedTitles(db, 'narwhal section')).not.toContain('New');
      // The pending version's chunks are the best candidates, yet the answer is filled with visible ones.
      const { chunks } = await retrieve(db, testEmbedder(), {
        query: 'narwhal section',
        topK: 3,
        minScore: 0,
      });
      expect(chunks.map((chunk) => chunk.title)).toEqual(['Old', 'Old', 'Old']);
      expect(new Set(await retrievedTitles(db, 'walrus section'))).toEqual(new Set(['Old']));
    } finally {
      embedder.release();
      await replacement.catch(() => {});
    }
    expect(await replacement).toMatchObject({
      documentId: original.documentId,
      status: 'replaced',
      chunkCount: 12,
    });
    expect(await getDocument(db, original.documentId)).toMatchObject({ title: 'New', chunkCount: 12 });
    expect(await storedChunkRows(db)).toBe(12);
    expect(await retrievedTitles(db, 'walrus section')).not.toContain('Old');
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  }, 30_000);
});

describe.each(DATABASE_TIERS)('several writers per document on %s', (_label, tier) => {
  const database = useMigratedDatabase(tier);
  /** A twelve-chunk document is then one batch (of at most 200). */
  const oneWriter = { writers: 1 };

  beforeEach(async () => {
    await database.db.knex('documents').delete();
  });

  it('cuts a document into equal batches, the same number for every writer', async () => {
    const { db } = database;
    // Batches of at most 5 for 12 chunks: 5 + 5 + 2 before, so one writer wrote 7 chunks while the
    // other wrote 5 (PGlite, with one writer, had the short batch too).
    await ingestDocument(
      db,
      testEmbedder(),
      { title: 'Even', content: twelveChunks('meridian') },
      { batchSize: 5, writers: 2 },
    );
    // Each batch is committed in a transaction of its own: its rows share their xmin.
    const { rows } = await db.knex.raw<{ rows: { chunks: number }[] }>(
      'select count(*)::int as chunks from chunks group by xmin::text order by 1',
    );
    expect(rows.map((row) => row.chunks)).toEqual(tier.kind === 'postgres' ? [3, 3, 3, 3] : [4, 4, 4]);
  });

  it('leaves the old version and no orphan rows when an embedding fails after batches were committed', async () => {
    const { db } = database;
    const original = await ingestDocument(db, testEmbedder(), {
      title: 'Stable',
      content: twelveChunks('granite'),
      source: 'stable.md',
    });
    await expect(
      ingestDocument(
        db,
        testEmbedder({ failOnCall: 11 }),
        { title: 'Broken', content: twelveChunks('basalt'), source: 'stable.md' },
        { batchSize: 2, concurrency: 1, writers: 2 },
      ),
    ).rejects.toThrow('embedding failed on call 11');
    expect(await getDocument(db, original.documentId)).toMatchObject({ title: 'Stable', chunkCount: 12 });
    expect(await storedChunkRows(db)).toBe(12);
    expect(await countCorpus(db)).toEqual({ documents: 1, chunks: 12 });
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it('leaves no document and no rows when a new document fails midway or is aborted', async () => {
    const { db } = database;
    await expect(
      ingestDocument(
        db,
        testEmbedder({ failOnCall: 9 }),
        { title: 'Doomed', content: twelveChunks('quartz') },
        { batchSize: 2, concurrency: 1, writers: 2 },
      ),
    ).rejects.toThrow('embedding failed on call 9');
    const controller = new AbortController();
    const inner = testEmbedder();
    const aborting: Embedder = {
      model: inner.model,
      async embed(text, signal) {
        if (inner.calls === 7) controller.abort(new Error('client went away'));
        return inner.embed(text, signal);
      },
    };
    await expect(
      ingestDocument(
        db,
        aborting,
        { title: 'Abandoned', content: twelveChunks('marble') },
        { batchSize: 2, concurrency: 1, writers: 2, signal: controller.signal },
      ),
    ).rejects.toThrow('client went away');
    expect(await db.knex('documents').count<{ count: string }[]>({ count: '*' })).toEqual([{ count: '0' }]);
    expect(await storedChunkRows(db)).toBe(0);
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it('stores concurrent ingests of different documents, each whole', async () => {
    const { db } = database;
    const topics = ['falcon', 'heron', 'osprey', 'kestrel'];
    const results = await Promise.all(
      topics.map((topic) =>
        ingestDocument(
          db,
          testEmbedder(),
          { title: topic, content: twelveChunks(topic), source: `${topic}.md` },
          { batchSize: 3, writers: 2 },
        ),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(await countCorpus(db)).toEqual({ documents: 4, chunks: 48 });
    expect(await storedChunkRows(db)).toBe(48);
    for (const result of results) {
      const ordinals = await db
        .knex('chunks')
        .where({ document_id: result.documentId })
        .orderBy('ordinal')
        .pluck('ordinal');
      expect(ordinals).toEqual(Array.from({ length: 12 }, (_, index) => index));
    }
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it('answers the same content ingested twice at once with one copy', async () => {
    const { db } = database;
    const input = { title: 'Twice', content: twelveChunks('pelican'), source: 'twice.md' };
    const [first, second] = await Promise.all([
      ingestDocument(db, testEmbedder(), input, { batchSize: 2, writers: 2 }),
      ingestDocument(db, testEmbedder(), input, { batchSize: 2, writers: 2 }),
    ]);
    expect([first.status, second.status].sort()).toEqual(['created', 'unchanged']);
    expect(first.documentId).toBe(second.documentId);
    expect(await countCorpus(db)).toEqual({ documents: 1, chunks: 12 });
    expect(await storedChunkRows(db)).toBe(12);
  });

  it('writes a document that fits in one batch of one writer in one transaction', async () => {
    const { db } = database;
    const writers = watchChunkWriters(db.knex);
    try {
      await ingestDocument(
        db,
        testEmbedder(),
        { title: 'Short', content: twelveChunks('lagoon') },
        oneWriter,
      );
    } finally {
      writers.stop();
    }
    expect(writers.connections.size).toBe(1);
    // Document row and chunks committed together: they share their xmin.
    const { rows } = await db.knex.raw<{ rows: { chunks: number; with_document: boolean }[] }>(
      `select count(*)::int as chunks, bool_and(c.xmin::text = d.xmin::text) as with_document
         from chunks c join documents d on d.id = c.document_id group by c.xmin::text`,
    );
    expect(rows).toEqual([{ chunks: 12, with_document: true }]);
    expect(await countCorpus(db)).toEqual({ documents: 1, chunks: 12 });
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it('answers documents of one content or one source ingested at once, in one transaction or several, with one copy each', async () => {
    const { db } = database;
    const same = { title: 'Same', content: twelveChunks('harbour'), source: 'same.md' };
    const results = await Promise.all([
      ingestDocument(db, testEmbedder(), same),
      ingestDocument(db, testEmbedder(), same),
      ingestDocument(db, testEmbedder(), { ...same, source: 'other.md' }),
      ingestDocument(db, testEmbedder(), {
        title: 'Next',
        content: twelveChunks('estuary'),
        source: 'next.md',
      }),
      ingestDocument(db, testEmbedder(), {
        title: 'Next',
        content: twelveChunks('delta'),
        source: 'next.md',
      }),
    ]);
    expect(
      results
        .slice(0, 3)
        .map((result) => result.status)
        .sort(),
    ).toEqual(['created', 'unchanged', 'unchanged']);
    expect(new Set(results.slice(0, 3).map((result) => result.documentId)).size).toBe(1);
    expect(
      results
        .slice(3)
        .map((result) => result.status)
        .sort(),
    ).toEqual(['created', 'replaced']);
    expect(results[3]!.documentId).toBe(results[4]!.documentId);
    expect(await countCorpus(db)).toEqual({ documents: 2, chunks: 24 });
    expect(await storedChunkRows(db)).toBe(24);
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it('leaves the old version when a new version written in one transaction fails', async () => {
    const { db } = database;
    const original = await ingestDocument(db, testEmbedder(), {
      title: 'Kept',
      content: twelveChunks('cobalt'),
      source: 'kept.md',
    });
    await expect(
      ingestDocument(
        db,
        testEmbedder({ failOnCall: 5 }),
        { title: 'Lost', content: twelveChunks('nickel'), source: 'kept.md' },
        oneWriter,
      ),
    ).rejects.toThrow('embedding failed on call 5');
    expect(await getDocument(db, original.documentId)).toMatchObject({ title: 'Kept', chunkCount: 12 });
    expect(await storedChunkRows(db)).toBe(12);
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it.each([
    ['in one transaction', { writers: 1 }],
    ['by two writers', { batchSize: 3, writers: 2 }],
  ])(
    'removes what a writer that died before publishing left for the content or source, %s',
    async (_how, options) => {
      const { db } = database;
      const content = twelveChunks('lantern');
      // Two unpublished rows, as writers killed before publishing leave them: one with this content,
      // one with this source, each with a chunk of its generation.
      const dead = await db
        .knex('documents')
        .insert([
          { title: 'Dead', content, content_sha256: sha256(content), live_generation: null },
          {
            title: 'Dead',
            content: 'other',
            content_sha256: sha256('other'),
            source: 'lantern.md',
            live_generation: null,
          },
        ])
        .returning<{ id: string }[]>('id');
      await db.knex('chunks').insert(
        dead.map(({ id }) => ({
          document_id: id,
          generation: 999,
          ordinal: 0,
          content: 'lantern leftover',
          embedding: `[${Array.from({ length: 1024 }, () => 0.01).join(',')}]`,
        })),
      );
      const result = await ingestDocument(
        db,
        testEmbedder(),
        { title: 'Lantern', content, source: 'lantern.md' },
        options,
      );
      expect(result.status).toBe('created');
      expect(await db.knex('documents').pluck('id')).toEqual([result.documentId]);
      expect(await storedChunkRows(db)).toBe(12);
      expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
    },
  );
});
