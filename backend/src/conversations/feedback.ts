import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database';
import type { SourceView } from '../rag/answer';
import type { FeedbackView, Rating } from './types';

export interface FeedbackInput {
  readonly rating: Rating;
  readonly comment: string | null;
}

/** One line of the admin export. */
export interface FeedbackRecord {
  readonly id: string;
  /** Null once the conversation was deleted or expired; the copy below remains. */
  readonly messageId: string | null;
  readonly owner: string;
  readonly rating: Rating;
  readonly comment: string | null;
  readonly question: string;
  readonly answer: string;
  readonly sources: readonly SourceView[];
  readonly model: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const EXPORT_BATCH_ROWS = 500;

/**
 * Records (or replaces) the owner's feedback on one stored answer, copying the question, answer,
 * sources and model it rates. Undefined when the owner has no such message in that conversation.
 */
export async function saveFeedback(
  db: Database,
  target: { readonly owner: string; readonly conversationId: string; readonly messageId: string },
  input: FeedbackInput,
  now: Date,
): Promise<FeedbackView | undefined> {
  const message = await db
    .knex('conversation_messages as m')
    .join('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.question', 'm.answer', 'm.sources', 'm.model')
    .where({ 'm.id': target.messageId, 'c.id': target.conversationId, 'c.owner': target.owner })
    .first<{ question: string; answer: string; sources: SourceView[]; model: string } | undefined>();
  if (message === undefined) return undefined;
  await db
    .knex('answer_feedback')
    .insert({
      id: randomUUID(),
      message_id: target.messageId,
      owner: target.owner,
      rating: input.rating,
      comment: input.comment,
      question: message.question,
      answer: message.answer,
      sources: JSON.stringify(message.sources),
      model: message.model,
      created_at: now,
      updated_at: now,
    })
    .onConflict('message_id')
    .merge(['rating', 'comment', 'updated_at']);
  return { rating: input.rating, comment: input.comment };
}

interface FeedbackRow {
  id: string;
  message_id: string | null;
  owner: string;
  rating: Rating;
  comment: string | null;
  question: string;
  answer: string;
  sources: SourceView[];
  model: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * Every feedback record, oldest change first, read in bounded batches (keyset paging) so an export
 * of any size holds only one batch in memory and works the same on both database tiers.
 */
export async function* exportFeedback(db: Database): AsyncGenerator<FeedbackRecord> {
  let after: { updatedAt: Date; id: string } | undefined;
  for (;;) {
    const query = db
      .knex<FeedbackRow>('answer_feedback')
      .select('*')
      .orderBy([
        { column: 'updated_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(EXPORT_BATCH_ROWS);
    if (after !== undefined) query.whereRaw('(updated_at, id) > (?, ?)', [after.updatedAt, after.id]);
    const rows: FeedbackRow[] = await query;
    for (const row of rows) yield toRecord(row);
    const last = rows.at(-1);
    if (last === undefined || rows.length < EXPORT_BATCH_ROWS) return;
    after = { updatedAt: last.updated_at, id: last.id };
  }
}

function toRecord(row: FeedbackRow): FeedbackRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    owner: row.owner,
    rating: row.rating,
    comment: row.comment,
    question: row.question,
    answer: row.answer,
    sources: row.sources,
    model: row.model,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
