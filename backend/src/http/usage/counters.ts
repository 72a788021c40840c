import type { Knex } from 'knex';
import type { UsageLimits } from '../../config';

/** A UTC calendar day, `YYYY-MM-DD`: the period the daily limits count over. */
export type UsageDay = string;

export type Reservation =
  | { readonly granted: true }
  | { readonly granted: false; readonly exhausted: 'queries' | 'generated_tokens' };

/** Counters older than this are deleted; yesterday's stay for whoever looks at them. */
const KEEP_DAYS = 2;

export function usageDay(epochMs: number): UsageDay {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * Counts one query for `subject` on `day` unless a limit is already reached, in one statement, so
 * concurrent requests on any number of tasks cannot overshoot the query limit. The token limit is
 * checked against what earlier answers generated (an answer's size is known only at its end).
 */
export async function reserveQuery(
  knex: Knex,
  subject: string,
  day: UsageDay,
  limits: UsageLimits,
): Promise<Reservation> {
  const conditions: string[] = [];
  const bindings: (string | number)[] = [subject, day];
  if (limits.queriesPerDay > 0) {
    conditions.push('usage_counters.queries < ?');
    bindings.push(limits.queriesPerDay);
  }
  if (limits.generatedTokensPerDay > 0) {
    conditions.push('usage_counters.generated_tokens < ?');
    bindings.push(limits.generatedTokensPerDay);
  }
  const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
  const result = await knex.raw<{ rows: unknown[] }>(
    `insert into usage_counters (subject, day, queries) values (?, ?, 1)
     on conflict (subject, day) do update set queries = usage_counters.queries + 1 ${where}
     returning queries`,
    bindings,
  );
  if (result.rows.length > 0) return { granted: true };
  const row = await knex('usage_counters').where({ subject, day }).first('queries');
  const queries = Number(row?.queries ?? 0);
  return {
    granted: false,
    exhausted: limits.queriesPerDay > 0 && queries >= limits.queriesPerDay ? 'queries' : 'generated_tokens',
  };
}

export async function addGeneratedTokens(
  knex: Knex,
  subject: string,
  day: UsageDay,
  tokens: number,
): Promise<void> {
  if (tokens <= 0) return;
  await knex('usage_counters').where({ subject, day }).increment('generated_tokens', Math.round(tokens));
}

export async function deleteCountersBefore(knex: Knex, today: UsageDay): Promise<void> {
  const cutoff = new Date(`${today}T00:00:00Z`);
  cutoff.setUTCDate(cutoff.getUTCDate() - KEEP_DAYS);
  await knex('usage_counters').where('day', '<', cutoff.toISOString().slice(0, 10)).delete();
}
