import type { Knex } from 'knex';
import type { UsageLimits } from '../../config';
import { queryPrepared } from '../../db/prepared-query';

/** A UTC calendar day, `YYYY-MM-DD`: the period the daily limits count over. */
export type UsageDay = string;

export type Reservation =
  | { readonly granted: true }
  | { readonly granted: false; readonly exhausted: 'queries' | 'generated_tokens' };

/** Generated tokens of one subject and day, not yet written to its counter. */
export interface TokenCount {
  readonly subject: string;
  readonly day: UsageDay;
  readonly tokens: number;
}

/** Counters older than this are deleted; yesterday's stay for whoever looks at them. */
const KEEP_DAYS = 2;

export function usageDay(epochMs: number): UsageDay {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/**
 * Counts one query for `subject` on `day` unless a limit is already reached, in one statement, so
 * concurrent requests on any number of tasks cannot overshoot the query limit. The token limit is
 * checked against what earlier answers generated (an answer's size is known only at its end):
 * those already written plus `unwrittenTokens`, which the same statement adds to the counter.
 * A refusal costs a second statement, which still adds `unwrittenTokens` and says which limit.
 */
export async function reserveQuery(
  knex: Knex,
  subject: string,
  day: UsageDay,
  limits: UsageLimits,
  unwrittenTokens = 0,
): Promise<Reservation> {
  const conditions: string[] = [];
  const bindings: (string | number)[] = [subject, day, unwrittenTokens];
  if (limits.queriesPerDay > 0) {
    bindings.push(limits.queriesPerDay);
    conditions.push(`usage_counters.queries < $${bindings.length}`);
  }
  if (limits.generatedTokensPerDay > 0) {
    bindings.push(limits.generatedTokensPerDay);
    conditions.push(`usage_counters.generated_tokens + excluded.generated_tokens < $${bindings.length}`);
  }
  const where = conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`;
  // It runs on every question: a named statement straight on the driver, prepared once per
  // connection and limit shape, without knex's per-call rewriting of the text.
  const granted = await queryPrepared<{ queries: number }>(
    { knex },
    `ragchat-reserve-query-${limits.queriesPerDay > 0}-${limits.generatedTokensPerDay > 0}`,
    `insert into usage_counters (subject, day, queries, generated_tokens) values ($1, $2, 1, $3)
     on conflict (subject, day) do update
       set queries = usage_counters.queries + 1,
           generated_tokens = usage_counters.generated_tokens + excluded.generated_tokens
     ${where}
     returning queries`,
    bindings,
  );
  if (granted.length > 0) return { granted: true };
  const refused = await knex.raw<{ rows: { queries: number }[] }>(
    `update usage_counters set generated_tokens = generated_tokens + ?
     where subject = ? and day = ? returning queries`,
    [unwrittenTokens, subject, day],
  );
  const queries = Number(refused.rows[0]?.queries ?? 0);
  return {
    granted: false,
    exhausted: limits.queriesPerDay > 0 && queries >= limits.queriesPerDay ? 'queries' : 'generated_tokens',
  };
}

/** Adds generated tokens to their counters, any number of subjects and days in one statement. */
export async function addGeneratedTokens(knex: Knex, counts: readonly TokenCount[]): Promise<void> {
  const written = counts.filter((count) => count.tokens > 0);
  if (written.length === 0) return;
  await knex.raw(
    `insert into usage_counters (subject, day, generated_tokens)
     select subject, day, tokens from unnest(?::text[], ?::date[], ?::bigint[]) as added(subject, day, tokens)
     on conflict (subject, day) do update
       set generated_tokens = usage_counters.generated_tokens + excluded.generated_tokens`,
    [
      written.map((count) => count.subject),
      written.map((count) => count.day),
      written.map((count) => Math.round(count.tokens)),
    ],
  );
}

export async function deleteCountersBefore(knex: Knex, today: UsageDay): Promise<void> {
  const cutoff = new Date(`${today}T00:00:00Z`);
  cutoff.setUTCDate(cutoff.getUTCDate() - KEEP_DAYS);
  await knex('usage_counters').where('day', '<', cutoff.toISOString().slice(0, 10)).delete();
}
