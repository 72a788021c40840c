import type { Knex } from 'knex';
import type { UsageLimits } from '../../config';
import { queryPrepared } from '../../db/prepared-query';

/** A UTC calendar day, `YYYY-MM-DD`: the period the daily limits count over. */
export type UsageDay = string;

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

/** Questions one subject asks on one day, counted together, and the tokens not written yet. */
export interface QuestionCount {
  readonly subject: string;
  readonly day: UsageDay;
  readonly questions: number;
  readonly unwrittenTokens: number;
}

/** How many of a QuestionCount's questions were counted; the rest were refused for `exhausted`. */
export interface Grant {
  readonly granted: number;
  readonly exhausted?: 'queries' | 'generated_tokens';
}

/**
 * Counts questions of any number of subjects in one statement, as many of each subject's as its
 * limits allow, so concurrent requests on any number of tasks cannot overshoot the query limit:
 * every counter row is locked, read at its latest value and updated by the same statement. The
 * token limit is checked against what earlier answers generated (an answer's size is known only at
 * its end): those already written plus `unwrittenTokens`, which the statement adds, refused or not.
 * The grants are in the order of `counts` (one entry per subject and day). Every statement on the
 * counters locks its rows in (subject, day) order, so concurrent ones on other tasks, listing the
 * same subjects in another order, wait for each other instead of deadlocking.
 */
export async function reserveQuestions(
  knex: Knex,
  counts: readonly QuestionCount[],
  limits: UsageLimits,
): Promise<Grant[]> {
  const grants = await grantQuestions(knex, counts, limits);
  const missing = counts.filter((_, index) => grants[index] === undefined);
  if (missing.length > 0) {
    // A subject's first question of the day: its row is created, then counted like the others.
    await knex.raw(
      `insert into usage_counters (subject, day)
       select * from unnest(?::text[], ?::date[]) as missing (subject, day) order by subject, day
       on conflict (subject, day) do nothing`,
      [missing.map((count) => count.subject), missing.map((count) => count.day)],
    );
    const created = await grantQuestions(knex, missing, limits);
    for (const [index, count] of counts.entries()) {
      if (grants[index] === undefined) grants[index] = created[missing.indexOf(count)];
    }
  }
  return counts.map((_, index) => {
    const grant = grants[index];
    if (grant === undefined) throw new Error('a usage counter row vanished while it was counted');
    return grant;
  });
}

/** The grants of `counts` whose counter rows exist; the others are left undefined. */
async function grantQuestions(
  knex: Knex,
  counts: readonly QuestionCount[],
  limits: UsageLimits,
): Promise<(Grant | undefined)[]> {
  // It runs for every batch of questions: a named statement straight on the driver, prepared once
  // per connection, without knex's per-call rewriting of the text. The arrays are read through a
  // materialized row so that a plan for particular values estimates no better than the generic one,
  // which PostgreSQL then keeps (else it planned anew on about half the calls, ~0.3 ms each). A limit
  // of 0 is no limit.
  const rows = await queryPrepared<{ position: number; granted: number; queries_before: number }>(
    { knex },
    'ragchat-reserve-questions',
    `with request as materialized (
       select $1::text[] as subjects, $2::date[] as days, $3::int[] as questions, $4::bigint[] as tokens
     ),
     wanted as (
       select w.* from request
       cross join unnest(request.subjects, request.days, request.questions, request.tokens)
         with ordinality as w (subject, day, questions, tokens, position)
     ),
     locked as (
       select w.subject, w.day, w.questions, w.tokens, w.position, u.queries,
              ($6::bigint = 0 or u.generated_tokens + w.tokens < $6) as tokens_left
       from usage_counters u
       join wanted w on w.subject = u.subject and w.day = u.day
       order by w.subject, w.day
       for update of u
     ),
     decided as (
       select subject, day, tokens, position, queries,
              case when not tokens_left then 0
                   when $5::bigint = 0 then questions
                   else least(questions, greatest(0, $5 - queries)) end as granted
       from locked
     )
     update usage_counters u
     set queries = u.queries + d.granted, generated_tokens = u.generated_tokens + d.tokens
     from decided d
     where u.subject = d.subject and u.day = d.day
     returning d.position, d.granted, d.queries as queries_before`,
    [
      counts.map((count) => count.subject),
      counts.map((count) => count.day),
      counts.map((count) => count.questions),
      counts.map((count) => Math.round(count.unwrittenTokens)),
      limits.queriesPerDay,
      limits.generatedTokensPerDay,
    ],
  );
  const grants: (Grant | undefined)[] = counts.map(() => undefined);
  for (const row of rows) {
    const count = counts[Number(row.position) - 1]!;
    const granted = Number(row.granted);
    grants[Number(row.position) - 1] =
      granted === count.questions
        ? { granted }
        : {
            granted,
            exhausted:
              limits.queriesPerDay > 0 && Number(row.queries_before) + granted >= limits.queriesPerDay
                ? 'queries'
                : 'generated_tokens',
          };
  }
  return grants;
}

/** Adds generated tokens to their counters, any number of subjects and days in one statement. */
export async function addGeneratedTokens(knex: Knex, counts: readonly TokenCount[]): Promise<void> {
  const written = counts.filter((count) => count.tokens > 0);
  if (written.length === 0) return;
  await knex.raw(
    `insert into usage_counters (subject, day, generated_tokens)
     select subject, day, tokens from unnest(?::text[], ?::date[], ?::bigint[]) as added(subject, day, tokens)
     order by subject, day
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
