import { exportFeedback, saveFeedback } from '../../src/conversations/feedback';
import { sweepExpiredConversations } from '../../src/conversations/retention';
import {
  appendMessage,
  conversationExchanges,
  createConversation,
  getConversation,
  listConversations,
} from '../../src/conversations/store';
import { MIGRATIONS_TABLE } from '../../src/db/migrate';
import { DATABASE_TIERS, useMigratedDatabase } from '../support/database-tiers';

const DAY_MS = 86_400_000;

const message = (question: string) => ({
  question,
  answer: `An answer to ${question} [1]`,
  sources: [
    {
      documentId: '00000000-0000-4000-8000-000000000001',
      chunkId: '00000000-0000-4000-8000-000000000002',
      title: 'Doc',
      excerpt: 'Text',
      score: 0.5,
    },
  ],
  mode: 'local',
  model: 'local-extractive-v1',
  timings: { embeddingMs: 1, retrievalMs: 2, generationMs: 3, totalMs: 6 },
});

describe.each(DATABASE_TIERS)('conversations on %s', (_label, tier) => {
  const database = useMigratedDatabase(tier);

  it('applies the 006-conversations migration', async () => {
    const applied = await database.db.knex(MIGRATIONS_TABLE).pluck('name');
    expect(applied).toContain('006-conversations');
    for (const table of ['conversations', 'conversation_messages', 'answer_feedback']) {
      await expect(database.db.knex.schema.hasTable(table)).resolves.toBe(true);
    }
  });

  it('gives answers finishing together consecutive positions', async () => {
    const conversation = await createConversation(database.db, 'alice', 'parallel', new Date());
    const stored = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        appendMessage(database.db, 'alice', conversation.id, message(`q${index}`), {
          now: new Date(),
          replaceLast: false,
        }),
      ),
    );
    expect(stored.every((entry) => entry !== undefined)).toBe(true);
    const positions = await database.db
      .knex('conversation_messages')
      .where({ conversation_id: conversation.id })
      .orderBy('position')
      .pluck('position');
    expect(positions).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(
      await appendMessage(database.db, 'bob', conversation.id, message('x'), {
        now: new Date(),
        replaceLast: false,
      }),
    ).toBeUndefined();
    expect(await conversationExchanges(database.db, 'bob', conversation.id)).toBeUndefined();
  });

  it('pages with a cursor that survives sub-millisecond ties', async () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    for (let index = 0; index < 5; index += 1)
      await createConversation(database.db, 'carol', `c${index}`, at);
    const seen: string[] = [];
    let after: { updatedAt: Date; id: string } | undefined;
    for (let page = 0; page < 5; page += 1) {
      const result = await listConversations(database.db, 'carol', { limit: 2, after });
      seen.push(...result.items.map((item) => item.id));
      if (result.nextCursor === null) break;
      const last = result.items.at(-1)!;
      after = { updatedAt: new Date(last.updatedAt), id: last.id };
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('removes expired conversations with sweeps running at the same time, keeping their feedback', async () => {
    const now = new Date('2026-06-01T00:00:00.000Z');
    const old = new Date(now.getTime() - 40 * DAY_MS);
    const expired = await Promise.all(
      Array.from({ length: 30 }, (_, index) => createConversation(database.db, 'dave', `old ${index}`, old)),
    );
    const fresh = await createConversation(database.db, 'dave', 'fresh', new Date(now.getTime() - DAY_MS));
    const rated = await appendMessage(database.db, 'dave', expired[0]!.id, message('rated'), {
      now: old,
      replaceLast: false,
    });
    await saveFeedback(
      database.db,
      { owner: 'dave', conversationId: expired[0]!.id, messageId: rated!.id },
      { rating: 'down', comment: 'wrong' },
      old,
    );

    const removed = await Promise.all([
      sweepExpiredConversations(database.db, 30, now),
      sweepExpiredConversations(database.db, 30, now),
      sweepExpiredConversations(database.db, 30, now),
    ]);

    expect(removed.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(30);
    expect(await getConversation(database.db, 'dave', expired[0]!.id)).toBeUndefined();
    expect((await getConversation(database.db, 'dave', fresh.id))?.title).toBe('fresh');
    const records = [];
    for await (const record of exportFeedback(database.db)) records.push(record);
    expect(records.find((record) => record.question === 'rated')).toMatchObject({
      messageId: null,
      rating: 'down',
      comment: 'wrong',
    });
  });
});
