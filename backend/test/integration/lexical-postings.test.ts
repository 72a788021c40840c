import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../../src/db/database';
import { deleteDocument } from '../../src/ingest/document-store';
import { ingestDocument } from '../../src/ingest/ingest-document';
import { EMBEDDING_DIMENSIONS, type Embedder } from '../../src/pipeline/types';
import { TEXT_CANDIDATES_PER_TERM } from '../../src/retrieval/candidate-statements';
import { retrieve } from '../../src/retrieval/retrieve';
import { DATABASE_TIERS, useMigratedDatabase } from '../support/database-tiers';
import { testEmbedder } from '../support/embedders';

type Posting = [term: string, chunkLength: number, chunkId: string];

async function storedPostings(db: Database): Promise<Posting[]> {
  const { rows } = await db.knex.raw<{ rows: { term: string; chunk_length: number; chunk_id: string }[] }>(
    'select term, chunk_length, chunk_id from lexical_postings order by term, chunk_length, chunk_id',
  );
  return rows.map((row) => [row.term, row.chunk_length, row.chunk_id]);
}

/** The postings recomputed from the chunks themselves. */
async function recomputedPostings(db: Database): Promise<Posting[]> {
  const { rows } = await db.knex.raw<{ rows: { term: string; chunk_length: number; chunk_id: string }[] }>(
    `select lexeme as term, length(content_tsv) as chunk_length, id as chunk_id
     from chunks, unnest(tsvector_to_array(content_tsv)) as lexeme order by 1, 2, 3`,
  );
  return rows.map((row) => [row.term, row.chunk_length, row.chunk_id]);
}

/** Paragraphs enough for several chunks. */
function longDocument(topic: string): string {
  return Array.from(
    { length: 6 },
    (_, paragraph) =>
      `${topic} paragraph ${paragraph}. ` +
      Array.from({ length: 4 }, (_, sentence) => `Sentence ${sentence} explains ${topic} plainly.`).join(' '),
  ).join('\n\n');
}

/** A fixed unit vector far from the random ones the bulk chunks get. */
function axisVector(axis: number): number[] {
  return Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i === axis ? 1 : 0));
}

const queryEmbedder: Embedder = { model: 'axis-embedder', embed: async () => axisVector(7) };

/**
 * Inserts `contents` as chunks of a new document in one statement (one trigger call, like a write
 * batch), in order, so a later entry has a later position in the table. Returns the document id.
 */
async function insertChunks(
  db: Database,
  title: string,
  metadata: Record<string, unknown>,
  contents: readonly string[],
): Promise<string> {
  const [document] = await db
    .knex('documents')
    .insert({
      title,
      content: contents.join('\n\n'),
      content_sha256: title
        .padEnd(64, '0')
        .replace(/[^0-9a-f]/g, 'a')
        .slice(0, 64),
      metadata,
      live_generation: 0,
    })
    .returning('id');
  await db.knex.raw(
    `insert into chunks (document_id, generation, ordinal, content, embedding)
     select ?, 0, ordinality - 1, content,
            array(select random() - 0.5 + ordinality * 0 from generate_series(1, ${EMBEDDING_DIMENSIONS}))::vector
     from unnest(?::text[]) with ordinality as given (content, ordinality)`,
    [document.id, contents],
  );
  return document.id;
}

/** `count` distinct made-up words for chunk `seed`: long chunks of a set length. */
function filler(seed: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `w${seed}x${i}`).join(' ');
}

describe.each(DATABASE_TIERS)('lexical postings on %s', (_label, tier) => {
  const database = useMigratedDatabase(tier);
  const deleteAllDocuments = () => database.db.knex('documents').delete();

  describe('kept by the chunk triggers', () => {
    beforeEach(deleteAllDocuments);

    it('match the stored chunks after ingest, replacement, a cascading delete and truncate', async () => {
      const { db } = database;
      const embedder = testEmbedder();
      expect(await storedPostings(db)).toEqual([]);
      const first = await ingestDocument(db, embedder, {
        title: 'Alpha',
        content: longDocument('alpha rollout'),
        source: 'postings/alpha.md',
      });
      await ingestDocument(db, embedder, { title: 'Beta', content: longDocument('beta canary') });
      const afterIngest = await storedPostings(db);
      expect(afterIngest.length).toBeGreaterThan(20);
      expect(afterIngest).toEqual(await recomputedPostings(db));

      await ingestDocument(db, embedder, {
        title: 'Alpha',
        content: longDocument('gamma'),
        source: 'postings/alpha.md',
      });
      const afterReplace = await storedPostings(db);
      expect(afterReplace).toEqual(await recomputedPostings(db));
      expect(afterReplace.some(([term]) => term === 'rollout')).toBe(false);

      await db
        .knex('chunks')
        .where({ document_id: first.documentId, ordinal: 0 })
        .update({ content: 'edited text' });
      expect(await storedPostings(db)).toEqual(await recomputedPostings(db));

      await deleteDocument(db, first.documentId);
      expect(await storedPostings(db)).toEqual(await recomputedPostings(db));

      await db.knex.raw('truncate chunks');
      expect(await storedPostings(db)).toEqual([]);
    });

    if (tier.kind === 'postgres') {
      it('match the stored chunks after a COPY', async () => {
        const { db } = database;
        const documentId = await insertChunks(db, 'Copied', {}, []);
        const vector = `[${axisVector(3).join(',')}]`;
        const client = db.knex.client as Knex.Client;
        const connection = (await client.acquireConnection()) as pg.Client;
        try {
          const stream = connection.query(
            copyFrom('copy chunks (document_id, generation, ordinal, content, embedding) from stdin'),
          );
          const done = new Promise((resolve, reject) => stream.on('finish', resolve).on('error', reject));
          stream.end(
            [0, 1, 2]
              .map((ordinal) => `${documentId}\t0\t${ordinal}\tcopied row ${ordinal} quasar\t${vector}\n`)
              .join(''),
          );
          await done;
        } finally {
          await client.releaseConnection(connection);
        }
        const postings = await storedPostings(db);
        expect(postings.filter(([term]) => term === 'quasar')).toHaveLength(3);
        expect(postings).toEqual(await recomputedPostings(db));
      });
    }
  });

  describe('ranking from the postings', () => {
    // One more chunk holds "quasar" than one term gathers, and as many hold "nebula", while both stay
    // informative (at most a tenth of the chunks). The best "quasar" chunk by BM25 (the shortest) is
    // the last one stored, so a lookup that takes the first matches in table order never sees it.
    const perTerm = TEXT_CANDIDATES_PER_TERM + 1;
    const others = 10 * perTerm;
    const best = 'quasar beacon';
    const bothWords = `quasar nebula ${filler(90_001, 30)}`;
    const filteredLong = `quasar ${filler(90_002, 30)}`;

    beforeAll(async () => {
      const { db } = database;
      await deleteAllDocuments();
      const long = Array.from({ length: perTerm - 3 }, (_, i) => `quasar ${filler(i, 29)}`);
      const nebula = Array.from({ length: perTerm - 1 }, (_, i) => `nebula ${filler(i, 3)}`);
      const rest = Array.from({ length: others }, (_, i) => filler(10_000 + i, 30));
      await insertChunks(db, 'Team b', { team: 'b' }, [filteredLong]);
      await insertChunks(db, 'Team a', { team: 'a' }, [bothWords, ...long, ...nebula, ...rest, best]);
    }, 120_000);

    afterAll(deleteAllDocuments, 60_000);

    it('gathers a term’s best chunks by BM25, wherever they are stored', async () => {
      const { chunks } = await retrieve(database.db, queryEmbedder, {
        query: 'quasar',
        topK: 3,
        minScore: 0,
      });
      expect(chunks[0]?.content).toBe(best);
    });

    it('finds a chunk holding every query word beyond each word’s best chunks', async () => {
      const { chunks } = await retrieve(database.db, queryEmbedder, {
        query: 'quasar nebula',
        topK: 3,
        minScore: 0,
      });
      expect(chunks[0]?.content).toBe(bothWords);
    });

    it('applies the metadata filter before taking a term’s best chunks', async () => {
      const { chunks } = await retrieve(database.db, queryEmbedder, {
        query: 'quasar',
        topK: 3,
        minScore: 0,
        filter: { team: 'b' },
      });
      expect(chunks.map((chunk) => chunk.content)).toEqual([filteredLong]);
    });
  });
});
