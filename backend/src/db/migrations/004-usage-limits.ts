import type { Knex } from 'knex';

export const name = '004-usage-limits';

/**
 * Per-caller daily counters behind the query and token limits. They live in the database, not in
 * a task's memory, so every task behind the load balancer enforces the same totals. `subject` is
 * `user:<sub>` with sign-in on and `ip:<address>` with it off; `day` is the UTC date.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table usage_counters (
      subject text not null check (btrim(subject) <> ''),
      day date not null,
      queries integer not null default 0 check (queries >= 0),
      generated_tokens bigint not null default 0 check (generated_tokens >= 0),
      primary key (subject, day)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table usage_counters');
}
