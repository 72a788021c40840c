import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { AppError } from '../errors';
import type { AnswerTimings, SourceView } from '../rag/answer';
import { encodeCursor, type PageCursor } from './cursor';
import type {
  ConversationDetail,
  ConversationPage,
  ConversationSummary,
  NewMessage,
  Rating,
  StoredMessage,
} from './types';

/** Bounds what opening one conversation returns; a longer chat starts a new conversation. */
export const MAX_MESSAGES_PER_CONVERSATION = 200;

interface ConversationRow {
  id: string;
  title: string;
  created_at: Date;
  updated_at: Date;
}

interface MessageRow {
  id: string;
  question: string;
  answer: string;
  sources: SourceView[];
  mode: string;
  model: string;
  timings: AnswerTimings;
  created_at: Date;
  rating: Rating | null;
  comment: string | null;
}

/** Every function takes the owner: a conversation of another subject is as absent as a missing one. */
export async function createConversation(
  db: Database,
  owner: string,
  title: string,
  now: Date,
): Promise<ConversationSummary> {
  const row = { id: randomUUID(), owner, title, created_at: now, updated_at: now };
  await db.knex('conversations').insert(row);
  return toSummary(row);
}

/** Most recently active first; `after` is the decoded `nextCursor` of the previous page. */
export async function listConversations(
  db: Database,
  owner: string,
  page: { readonly limit: number; readonly after: PageCursor | undefined },
): Promise<ConversationPage> {
  const { after } = page;
  const query = db
    .knex('conversations')
    .select('id', 'title', 'created_at', 'updated_at')
    .where({ owner })
    .orderBy([
      { column: 'updated_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(page.limit + 1);
  if (after !== undefined) {
    query.andWhereRaw('(updated_at, id) < (?, ?)', [after.updatedAt, after.id]);
  }
  const rows: ConversationRow[] = await query;
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map(toSummary),
    nextCursor:
      rows.length > page.limit && last !== undefined
        ? encodeCursor({ updatedAt: last.updated_at, id: last.id })
        : null,
  };
}

export async function getConversation(
  db: Database,
  owner: string,
  id: string,
): Promise<ConversationDetail | undefined> {
  const conversation = await findConversation(db.knex, owner, id);
  if (conversation === undefined) return undefined;
  const rows: MessageRow[] = await db
    .knex('conversation_messages as m')
    .leftJoin('answer_feedback as f', 'f.message_id', 'm.id')
    .select(
      'm.id',
      'm.question',
      'm.answer',
      'm.sources',
      'm.mode',
      'm.model',
      'm.timings',
      'm.created_at',
      'f.rating',
      'f.comment',
    )
    .where('m.conversation_id', id)
    .orderBy('m.position');
  return { ...toSummary(conversation), messages: rows.map(toMessage) };
}

/** The stored exchanges, oldest first, for the next question's history. */
export async function conversationExchanges(
  db: Database,
  owner: string,
  id: string,
): Promise<{ question: string; answer: string }[] | undefined> {
  if ((await findConversation(db.knex, owner, id)) === undefined) return undefined;
  return db
    .knex('conversation_messages')
    .select('question', 'answer')
    .where({ conversation_id: id })
    .orderBy('position');
}

export async function renameConversation(
  db: Database,
  owner: string,
  id: string,
  title: string,
  now: Date,
): Promise<ConversationSummary | undefined> {
  const [row] = await db
    .knex('conversations')
    .where({ owner, id })
    .update({ title, updated_at: now })
    .returning(['id', 'title', 'created_at', 'updated_at']);
  return row === undefined ? undefined : toSummary(row);
}

export async function deleteConversation(db: Database, owner: string, id: string): Promise<boolean> {
  return (await db.knex('conversations').where({ owner, id }).delete()) > 0;
}

/** Deletes every conversation of `owner`; returns how many there were. */
export async function deleteAllConversations(db: Database, owner: string): Promise<number> {
  return db.knex('conversations').where({ owner }).delete();
}

/**
 * Stores an answered question at the end of the conversation, or in place of its last message
 * (`replaceLast`, for a regenerated answer). The conversation row is locked, so two answers
 * finishing together get consecutive positions. Undefined when the conversation is gone.
 */
export async function appendMessage(
  db: Database,
  owner: string,
  conversationId: string,
  message: NewMessage,
  options: { readonly now: Date; readonly replaceLast: boolean },
): Promise<{ id: string } | undefined> {
  return db.knex.transaction(async (trx) => {
    const conversation = await findConversation(trx, owner, conversationId).forUpdate();
    if (conversation === undefined) return undefined;
    const last = await trx('conversation_messages')
      .where({ conversation_id: conversationId })
      .max<{ position: number | null }>('position as position')
      .first();
    const lastPosition = last?.position ?? -1;
    if (options.replaceLast && lastPosition >= 0) {
      await trx('conversation_messages')
        .where({ conversation_id: conversationId, position: lastPosition })
        .delete();
    }
    const position = options.replaceLast ? Math.max(lastPosition, 0) : lastPosition + 1;
    if (position >= MAX_MESSAGES_PER_CONVERSATION) throw conversationFull();
    const id = randomUUID();
    await trx('conversation_messages').insert({
      id,
      conversation_id: conversationId,
      position,
      question: message.question,
      answer: message.answer,
      sources: JSON.stringify(message.sources),
      mode: message.mode,
      model: message.model,
      timings: JSON.stringify(message.timings),
      created_at: options.now,
    });
    await trx('conversations').where({ id: conversationId }).update({ updated_at: options.now });
    return { id };
  });
}

/** Refuses a question before any work when the conversation already holds the most it may. */
export function assertRoomFor(messageCount: number, replaceLast: boolean): void {
  if (!replaceLast && messageCount >= MAX_MESSAGES_PER_CONVERSATION) throw conversationFull();
}

export function conversationNotFound(id: string): AppError {
  return new AppError(404, 'not_found', `No conversation with id ${id}`);
}

function conversationFull(): AppError {
  return new AppError(
    409,
    'conversation_full',
    `A conversation holds at most ${MAX_MESSAGES_PER_CONVERSATION} answers; start a new chat`,
  );
}

function findConversation(knex: Knex, owner: string, id: string) {
  return knex('conversations')
    .select('id', 'title', 'created_at', 'updated_at')
    .where({ owner, id })
    .first<ConversationRow | undefined>();
}

function toSummary(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    question: row.question,
    answer: row.answer,
    sources: row.sources,
    mode: row.mode,
    model: row.model,
    timings: row.timings,
    createdAt: row.created_at.toISOString(),
    feedback: row.rating === null ? null : { rating: row.rating, comment: row.comment },
  };
}
