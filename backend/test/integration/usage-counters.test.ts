import type { UsageLimits } from '../../src/config';
import { type Database, openDatabase } from '../../src/db/database';
import {
  addGeneratedTokens,
  deleteCountersBefore,
  reserveQuestions,
  usageDay,
} from '../../src/http/usage/counters';
import { DATABASE_TIERS, type TestDatabase } from '../support/database-tiers';

const OPEN_TIMEOUT_MS = 60_000;
const DAY = '2026-12-01';

/** One question, as the limiter counts it when it arrives alone: `granted` true or why not. */
async function reserveQuery(
  knex: Database['knex'],
  subject: string,
  day: string,
  limits: UsageLimits,
  unwrittenTokens = 0,
) {
  const [grant] = await reserveQuestions(knex, [{ subject, day, questions: 1, unwrittenTokens }], limits);
  return grant!.granted === 1 ? { granted: true } : { granted: false, exhausted: grant!.exhausted };
}

describe.each(DATABASE_TIERS)('usage counters on %s', (_label, tier) => {
  let testDatabase: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDatabase = await tier.createDatabase();
    db = await openDatabase(testDatabase.options);
  }, OPEN_TIMEOUT_MS);

  afterAll(async () => {
    await db.close();
    await testDatabase.drop();
  });

  it('grants exactly the daily query limit to concurrent requests', async () => {
    const limits = { queriesPerDay: 5, generatedTokensPerDay: 0 };
    const results = await Promise.all(
      Array.from({ length: 12 }, () => reserveQuery(db.knex, 'user:concurrent', DAY, limits)),
    );
    expect(results.filter((result) => result.granted)).toHaveLength(5);
    expect(results.filter((result) => !result.granted)).toEqual(
      Array.from({ length: 7 }, () => ({ granted: false, exhausted: 'queries' })),
    );
    const row = await db.knex('usage_counters').where({ subject: 'user:concurrent' }).first('queries');
    expect(Number(row.queries)).toBe(5);
  });

  it('refuses once the generated tokens reach their limit, and counts per subject and day', async () => {
    const limits = { queriesPerDay: 100, generatedTokensPerDay: 50 };
    expect(await reserveQuery(db.knex, 'user:tokens', DAY, limits)).toEqual({ granted: true });
    await addGeneratedTokens(db.knex, [{ subject: 'user:tokens', day: DAY, tokens: 49 }]);
    expect(await reserveQuery(db.knex, 'user:tokens', DAY, limits)).toEqual({ granted: true });
    await addGeneratedTokens(db.knex, [{ subject: 'user:tokens', day: DAY, tokens: 1 }]);
    expect(await reserveQuery(db.knex, 'user:tokens', DAY, limits)).toEqual({
      granted: false,
      exhausted: 'generated_tokens',
    });
    expect(await reserveQuery(db.knex, 'user:someone-else', DAY, limits)).toEqual({ granted: true });
    expect(await reserveQuery(db.knex, 'user:tokens', '2026-12-02', limits)).toEqual({ granted: true });
  });

  it('checks and adds the tokens not written yet in the same statement, refused or not', async () => {
    const limits = { queriesPerDay: 100, generatedTokensPerDay: 50 };
    expect(await reserveQuery(db.knex, 'user:unwritten', DAY, limits)).toEqual({ granted: true });
    expect(await reserveQuery(db.knex, 'user:unwritten', DAY, limits, 49)).toEqual({ granted: true });
    expect(await reserveQuery(db.knex, 'user:unwritten', DAY, limits, 1)).toEqual({
      granted: false,
      exhausted: 'generated_tokens',
    });
    const row = await db.knex('usage_counters').where({ subject: 'user:unwritten' }).first();
    expect([Number(row.queries), Number(row.generated_tokens)]).toEqual([2, 50]);
  });

  it('adds the tokens of several subjects in one statement, with or without a counter yet', async () => {
    const limits = { queriesPerDay: 100, generatedTokensPerDay: 0 };
    await reserveQuery(db.knex, 'user:batch-a', DAY, limits);
    await addGeneratedTokens(db.knex, [
      { subject: 'user:batch-a', day: DAY, tokens: 3 },
      { subject: 'user:batch-b', day: DAY, tokens: 5 },
    ]);
    const rows = await db
      .knex('usage_counters')
      .whereIn('subject', ['user:batch-a', 'user:batch-b'])
      .orderBy('subject')
      .select('queries', 'generated_tokens');
    expect(rows.map((row) => [Number(row.queries), Number(row.generated_tokens)])).toEqual([
      [1, 3],
      [0, 5],
    ]);
  });

  it('counts several subjects in one statement, as many questions of each as its limits allow', async () => {
    const limits = { queriesPerDay: 4, generatedTokensPerDay: 50 };
    await reserveQuery(db.knex, 'user:many-a', DAY, limits);
    expect(await reserveQuery(db.knex, 'user:many-c', DAY, limits, 50)).toEqual({
      granted: false,
      exhausted: 'generated_tokens',
    });
    const grants = await reserveQuestions(
      db.knex,
      [
        { subject: 'user:many-a', day: DAY, questions: 5, unwrittenTokens: 7 },
        { subject: 'user:many-b', day: DAY, questions: 2, unwrittenTokens: 0 },
        { subject: 'user:many-c', day: DAY, questions: 1, unwrittenTokens: 2 },
      ],
      limits,
    );
    expect(grants).toEqual([
      { granted: 3, exhausted: 'queries' },
      { granted: 2 },
      { granted: 0, exhausted: 'generated_tokens' },
    ]);
    const rows = await db
      .knex('usage_counters')
      .whereIn('subject', ['user:many-a', 'user:many-b', 'user:many-c'])
      .orderBy('subject')
      .select('queries', 'generated_tokens');
    expect(rows.map((row) => [Number(row.queries), Number(row.generated_tokens)])).toEqual([
      [4, 7],
      [2, 0],
      [0, 52],
    ]);
  });

  it('grants exactly the daily query limit to concurrent batches', async () => {
    const limits = { queriesPerDay: 10, generatedTokensPerDay: 0 };
    const grants = await Promise.all(
      Array.from({ length: 6 }, () =>
        reserveQuestions(
          db.knex,
          [{ subject: 'user:concurrent-batches', day: DAY, questions: 3, unwrittenTokens: 0 }],
          limits,
        ),
      ),
    );
    expect(grants.flat().reduce((sum, grant) => sum + grant.granted, 0)).toBe(10);
    const row = await db
      .knex('usage_counters')
      .where({ subject: 'user:concurrent-batches' })
      .first('queries');
    expect(Number(row.queries)).toBe(10);
  });

  it('counts and adds tokens for the same subjects listed in any order at once, without deadlock', async () => {
    const limits = { queriesPerDay: 0, generatedTokensPerDay: 0 };
    const subjects = Array.from({ length: 16 }, (_, index) => `user:lock-order-${index}`);
    const counts = (order: readonly string[]) =>
      order.map((subject) => ({ subject, day: DAY, questions: 1, unwrittenTokens: 1 }));
    const forwards = counts(subjects);
    const backwards = counts([...subjects].reverse());
    await reserveQuestions(db.knex, forwards, limits);
    const rounds = 400;
    await Promise.all(
      Array.from({ length: rounds }, (_, round) =>
        round % 3 === 2
          ? addGeneratedTokens(
              db.knex,
              (round % 2 === 0 ? forwards : backwards).map(({ subject, day }) => ({
                subject,
                day,
                tokens: 1,
              })),
            )
          : reserveQuestions(db.knex, round % 2 === 0 ? forwards : backwards, limits),
      ),
    );
    const rows = await db
      .knex('usage_counters')
      .whereIn('subject', subjects)
      .select('queries', 'generated_tokens');
    const added = Array.from({ length: rounds }, (_, round) => round).filter(
      (round) => round % 3 === 2,
    ).length;
    expect(rows.map((row) => [Number(row.queries), Number(row.generated_tokens)])).toEqual(
      subjects.map(() => [1 + rounds - added, 1 + rounds]),
    );
  });

  it('treats 0 as no limit', async () => {
    const limits = { queriesPerDay: 0, generatedTokensPerDay: 0 };
    for (let i = 0; i < 3; i += 1) {
      expect(await reserveQuery(db.knex, 'user:unlimited', DAY, limits)).toEqual({ granted: true });
    }
  });

  it('deletes counters older than two days', async () => {
    const limits = { queriesPerDay: 10, generatedTokensPerDay: 0 };
    await reserveQuery(db.knex, 'user:old', '2026-11-20', limits);
    await reserveQuery(db.knex, 'user:old', '2026-11-29', limits);
    await deleteCountersBefore(db.knex, DAY);
    const days = await db.knex('usage_counters').where({ subject: 'user:old' }).pluck('day');
    expect(days.map((day: Date | string) => usageDay(new Date(day).getTime() + 12 * 3_600_000))).toEqual([
      '2026-11-29',
    ]);
  });
});
