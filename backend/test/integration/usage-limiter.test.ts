import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import pg from 'pg';
import { LOCAL_IDENTITY } from '../../src/http/identity';
import type { AppContext } from '../../src/http/state';
import { createUsageLimiter, TOKEN_FLUSH_INTERVAL_MS, type UsageLimiter } from '../../src/http/usage/limiter';
import { createLogger } from '../../src/service-kit/logger';
import { DATABASE_TIERS, useMigratedDatabase } from '../support/database-tiers';

const log = createLogger({ level: 'error', write: () => {} });
const NOW_MS = Date.parse('2026-12-01T12:00:00Z');

function caller(subject: string): AppContext {
  return {
    ip: '127.0.0.1',
    state: { identity: { ...LOCAL_IDENTITY, subject }, log },
  } as unknown as AppContext;
}

/**
 * The statements on the usage counters sent to the database while `run` runs, counted at the driver
 * (the hot statements bypass knex's query builder, so knex's own events would miss them); a pooled
 * connection opened meanwhile sends its session settings, and the first question of a day starts
 * the old counters' deletion in the background: neither is counted.
 */
async function counterStatementsOf(run: () => Promise<unknown>): Promise<string[]> {
  const sent = jest.spyOn(pg.Client.prototype, 'query');
  try {
    await run();
    return sent.mock.calls
      .map(([query]) => (typeof query === 'string' ? query : (query as { text: string }).text))
      .filter((text) => text.includes('usage_counters') && !text.startsWith('delete'));
  } finally {
    sent.mockRestore();
  }
}

async function tokensOf(knex: Knex, subject: string): Promise<number> {
  const row = await knex('usage_counters')
    .where({ subject: `user:${subject}` })
    .first('generated_tokens');
  return Number(row?.generated_tokens ?? 0);
}

describe.each(DATABASE_TIERS)('usage limiter on %s', (_label, tier) => {
  const database = useMigratedDatabase(tier);
  const limits = { queriesPerDay: 100, generatedTokensPerDay: 10 };
  const signal = new AbortController().signal;
  const limiters: UsageLimiter[] = [];
  const task = () => {
    const limiter = createUsageLimiter({ db: database.db, limits, now: () => NOW_MS, log });
    limiters.push(limiter);
    return limiter;
  };
  afterAll(() => Promise.all(limiters.map((limiter) => limiter.close())));

  it('costs one statement per answered question: its tokens join the next question’s count', async () => {
    const limiter = task();
    const { knex } = database.db;
    // The first question of the day also deletes old counters, in the background.
    await limiter.admit(caller('ada'), signal);
    let meter = await limiter.admit(caller('ada'), signal);
    const answered = await counterStatementsOf(async () => {
      meter.recordGeneratedTokens(4);
      meter = await limiter.admit(caller('ada'), signal);
    });
    expect(answered).toHaveLength(1);
    expect(await tokensOf(knex, 'ada')).toBe(4);
    // The next question is checked against every token generated so far, the unwritten ones included.
    meter.recordGeneratedTokens(6);
    await expect(limiter.admit(caller('ada'), signal)).rejects.toMatchObject({ code: 'daily_limit_reached' });
    expect(await tokensOf(knex, 'ada')).toBe(10);
  });

  it('counts questions that arrive together in one statement, two tasks exactly to the limit', async () => {
    const tightLimits = { queriesPerDay: 32, generatedTokensPerDay: 0 };
    const limiter = () =>
      createUsageLimiter({ db: database.db, limits: tightLimits, now: () => NOW_MS, log });
    const [first, second] = [limiter(), limiter()];
    const ask = (task: UsageLimiter) =>
      task.admit(caller('lovelace'), signal).then(
        () => 'counted',
        (error: { code?: string }) => error.code,
      );
    // The caller's counter row exists and each task has deleted the old counters.
    expect([await ask(first), await ask(second)]).toEqual(['counted', 'counted']);
    let outcomes: (string | undefined)[] = [];
    const statements = await counterStatementsOf(async () => {
      outcomes = await Promise.all(Array.from({ length: 40 }, (_, index) => ask(index % 2 ? first : second)));
    });
    expect(outcomes.filter((outcome) => outcome === 'counted')).toHaveLength(30);
    expect(outcomes.filter((outcome) => outcome === 'daily_limit_reached')).toHaveLength(10);
    // Per task: its first question alone, then the 19 that arrived while it was being counted.
    expect(statements).toHaveLength(4);
    await Promise.all([first.close(), second.close()]);
  });

  it('writes the tokens of callers who ask nothing more within the flush interval, for every task', async () => {
    const first = task();
    const second = task();
    (await first.admit(caller('grace'), signal)).recordGeneratedTokens(10);
    const deadline = Date.now() + TOKEN_FLUSH_INTERVAL_MS * 5;
    while ((await tokensOf(database.db.knex, 'grace')) < 10 && Date.now() < deadline) await sleep(50);
    expect(await tokensOf(database.db.knex, 'grace')).toBe(10);
    await expect(second.admit(caller('grace'), signal)).rejects.toMatchObject({
      code: 'daily_limit_reached',
    });
  });

  it('writes what is left when it closes', async () => {
    const limiter = task();
    (await limiter.admit(caller('hopper'), signal)).recordGeneratedTokens(7);
    await limiter.close();
    expect(await tokensOf(database.db.knex, 'hopper')).toBe(7);
  });
});
