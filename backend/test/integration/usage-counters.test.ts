import { type Database, openDatabase } from '../../src/db/database';
import {
  addGeneratedTokens,
  deleteCountersBefore,
  reserveQuery,
  usageDay,
} from '../../src/http/usage/counters';
import { DATABASE_TIERS, type TestDatabase } from '../support/database-tiers';

const OPEN_TIMEOUT_MS = 60_000;
const DAY = '2026-12-01';

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
    await addGeneratedTokens(db.knex, 'user:tokens', DAY, 49);
    expect(await reserveQuery(db.knex, 'user:tokens', DAY, limits)).toEqual({ granted: true });
    await addGeneratedTokens(db.knex, 'user:tokens', DAY, 1);
    expect(await reserveQuery(db.knex, 'user:tokens', DAY, limits)).toEqual({
      granted: false,
      exhausted: 'generated_tokens',
    });
    expect(await reserveQuery(db.knex, 'user:someone-else', DAY, limits)).toEqual({ granted: true });
    expect(await reserveQuery(db.knex, 'user:tokens', '2026-12-02', limits)).toEqual({ granted: true });
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
