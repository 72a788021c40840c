import type { Knex } from 'knex';
import { countCorpus, getDocument } from '../../src/ingest/document-store';
import { ingestDocument } from '../../src/ingest/ingest-document';
import type { Embedder } from '../../src/pipeline/types';
import { DATABASE_TIERS, useMigratedDatabase } from '../support/database-tiers';
import { testEmbedder } from '../support/embedders';
import { recomputedStatistics, storedStatistics } from './lexical-statistics';

/** Twelve short paragraphs: twelve chunks at the default chunk size. */
function manyChunkDocument(topic: string): string {
  return Array.from(
    { length: 12 },
    (_, paragraph) =>
      `${topic} paragraph ${paragraph}. ${'Each sentence explains the topic in plain words. '.repeat(8)}`,
  ).join('\n\n');
}

/** Counts the multi-row INSERTs into `chunks` the pool sends, from any connection. */
function watchChunkInserts(knex: Knex): { readonly count: number; stop(): void } {
  let count = 0;
  const onQuery = (query: { sql: string }) => {
    if (/^insert into "chunks"/.test(query.sql)) count += 1;
  };
  knex.on('query', onQuery);
  return {
    get count() {
      return count;
    },
    stop: () => knex.removeListener('query', onQuery),
  };
}

/**
 * Embeds calls up to `openCalls` at once; every later call waits until `released()` holds (or a
 * second passed, so code that never writes before embedding everything still finishes).
 */
function gatedEmbedder(openCalls: number, released: () => boolean): Embedder & { readonly calls: number } {
  const inner = testEmbedder();
  return {
    model: inner.model,
    get calls() {
      return inner.calls;
    },
    async embed(text, signal) {
      if (inner.calls >= openCalls) {
        const deadline = Date.now() + 1000;
        while (!released() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return inner.embed(text, signal);
    },
  };
}

describe.each(DATABASE_TIERS)('ingest pipeline on %s', (_label, tier) => {
  const database = useMigratedDatabase(tier);

  beforeEach(async () => {
    await database.db.knex('documents').delete();
  });

  it('writes the first batches while the later chunks are still being embedded', async () => {
    const { db } = database;
    const inserts = watchChunkInserts(db.knex);
    let insertsBeforeLastEmbedding: number | undefined;
    // Batches of 4 (one writer: with two, the 12 chunks would be cut into 4 equal batches of 3, the
    // same number for each writer): the calls of the last batch wait until two batches are written.
    const gated = gatedEmbedder(8, () => inserts.count >= 2);
    const embedder: Embedder = {
      model: gated.model,
      async embed(text, signal) {
        const vector = await gated.embed(text, signal);
        if (gated.calls === 12) insertsBeforeLastEmbedding = inserts.count;
        return vector;
      },
    };
    try {
      const result = await ingestDocument(
        db,
        embedder,
        { title: 'Pipelined', content: manyChunkDocument('pipelining') },
        { batchSize: 4, concurrency: 2, writers: 1 },
      );
      expect(result).toMatchObject({ status: 'created', chunkCount: 12 });
    } finally {
      inserts.stop();
    }
    expect(insertsBeforeLastEmbedding).toBeGreaterThanOrEqual(2);
    expect(inserts.count).toBe(3);
    const ordinals = await db.knex('chunks').orderBy('ordinal').pluck('ordinal');
    expect(ordinals).toEqual(Array.from({ length: 12 }, (_, index) => index));
  });

  it('stores nothing, stops embedding and reports the failure when an embedding fails after batches were written', async () => {
    const { db } = database;
    const inserts = watchChunkInserts(db.knex);
    const embedder = testEmbedder({ failOnCall: 7 });
    const gated: Embedder = {
      model: embedder.model,
      async embed(text, signal) {
        // Call 7 fails only once two batches of 2 are written (committed, not yet published).
        if (embedder.calls === 6) {
          const deadline = Date.now() + 5000;
          while (inserts.count < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        }
        return embedder.embed(text, signal);
      },
    };
    try {
      await expect(
        ingestDocument(
          db,
          gated,
          { title: 'Doomed', content: manyChunkDocument('rollback') },
          { batchSize: 2, concurrency: 1 },
        ),
      ).rejects.toThrow('embedding failed on call 7');
    } finally {
      inserts.stop();
    }
    expect(inserts.count).toBeGreaterThanOrEqual(2);
    expect(embedder.calls).toBe(7);
    expect(await countCorpus(db)).toEqual({ documents: 0, chunks: 0 });
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it('keeps the old version of a replaced document when an embedding fails midway', async () => {
    const { db } = database;
    const original = await ingestDocument(db, testEmbedder(), {
      title: 'Stable',
      content: manyChunkDocument('original'),
      source: 'stable.md',
    });
    await expect(
      ingestDocument(
        db,
        testEmbedder({ failOnCall: 9 }),
        { title: 'Broken', content: manyChunkDocument('replacement'), source: 'stable.md' },
        { batchSize: 2, concurrency: 1 },
      ),
    ).rejects.toThrow('embedding failed on call 9');
    expect(await getDocument(db, original.documentId)).toMatchObject({
      title: 'Stable',
      content: manyChunkDocument('original'),
      chunkCount: original.chunkCount,
    });
    expect(await countCorpus(db)).toEqual({ documents: 1, chunks: original.chunkCount });
    expect(await storedStatistics(db)).toEqual(await recomputedStatistics(db));
  });

  it('stores nothing when the caller aborts midway', async () => {
    const { db } = database;
    const controller = new AbortController();
    const embedder = testEmbedder();
    const aborting: Embedder = {
      model: embedder.model,
      async embed(text, signal) {
        if (embedder.calls === 5) controller.abort(new Error('client went away'));
        return embedder.embed(text, signal);
      },
    };
    await expect(
      ingestDocument(
        db,
        aborting,
        { title: 'Abandoned', content: manyChunkDocument('abort') },
        { batchSize: 2, concurrency: 1, signal: controller.signal },
      ),
    ).rejects.toThrow('client went away');
    expect(embedder.calls).toBeLessThan(12);
    expect(await countCorpus(db)).toEqual({ documents: 0, chunks: 0 });
  });
});
