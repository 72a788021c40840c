import type { Knex } from 'knex';

export const name = '006-conversations';

/**
 * Conversations belong to one identity subject; every query filters on `owner`. Timestamps are
 * written by the service with millisecond precision, so a paging cursor built from them in
 * JavaScript compares exactly. Feedback keeps its own copy of the answer it rates: it outlives the
 * conversation (deleted by its owner or by retention) so the team can still review it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table conversations (
      id uuid primary key,
      owner text not null check (owner <> ''),
      title text not null check (btrim(title) <> ''),
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
  await knex.raw(
    'create index conversations_owner_recent_idx on conversations (owner, updated_at desc, id desc)',
  );
  await knex.raw('create index conversations_updated_at_idx on conversations (updated_at)');

  await knex.raw(`
    create table conversation_messages (
      id uuid primary key,
      conversation_id uuid not null references conversations (id) on delete cascade,
      position integer not null check (position >= 0),
      question text not null,
      answer text not null,
      sources jsonb not null check (jsonb_typeof(sources) = 'array'),
      mode text not null,
      model text not null,
      timings jsonb not null check (jsonb_typeof(timings) = 'object'),
      created_at timestamptz not null,
      unique (conversation_id, position)
    )`);

  await knex.raw(`
    create table answer_feedback (
      id uuid primary key,
      message_id uuid unique references conversation_messages (id) on delete set null,
      owner text not null,
      rating text not null check (rating in ('up', 'down')),
      comment text,
      question text not null,
      answer text not null,
      sources jsonb not null,
      model text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
  await knex.raw('create index answer_feedback_export_idx on answer_feedback (updated_at, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table answer_feedback');
  await knex.raw('drop table conversation_messages');
  await knex.raw('drop table conversations');
}
