import type { Knex } from 'knex';
import type { Database } from '../db/database';
import { VISIBLE_CHUNK, VISIBLE_DOCUMENT } from './document-generation';
import type { DocumentFormat } from './formats/extracted-document';

export interface DocumentSummary {
  readonly id: string;
  readonly title: string;
  readonly source: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly format: DocumentFormat;
  /** SHA-256 of the file the content was read from; null for JSON and text uploads. */
  readonly fileSha256: string | null;
  readonly chunkCount: number;
  /** ISO 8601 timestamps. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DocumentDetail extends DocumentSummary {
  readonly content: string;
  readonly contentSha256: string;
}

/** A chunk located in its document's content, for showing a cited passage in place. */
export interface Passage {
  readonly document: DocumentDetail;
  readonly chunkId: string;
  /** Character range `[start, end)` of the chunk in `document.content`; null for chunks stored before it was recorded. */
  readonly start: number | null;
  readonly end: number | null;
  readonly page: number | null;
  readonly headingPath: readonly string[] | null;
  readonly content: string;
}

export interface DocumentPage {
  readonly items: DocumentSummary[];
  readonly total: number;
}

export const MAX_PAGE_SIZE = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` has the shape of a document id; anything else can never match a document. */
export function isDocumentId(id: string): boolean {
  return UUID.test(id);
}

interface SummaryRow {
  id: string;
  title: string;
  source: string | null;
  metadata: Record<string, unknown>;
  format: DocumentFormat;
  file_sha256: string | null;
  chunk_count: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * Newest first; `limit` 1..MAX_PAGE_SIZE, `offset` ≥ 0 (the HTTP layer refuses others with a 400;
 * here they are a caller's bug). `search` keeps documents whose title or source contains it, ignoring case.
 */
export async function listDocuments(
  db: Database,
  page: { readonly limit: number; readonly offset: number; readonly search?: string | undefined },
): Promise<DocumentPage> {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${page.limit}`);
  }
  if (!Number.isInteger(page.offset) || page.offset < 0) {
    throw new RangeError(`offset must be a non-negative integer, got ${page.offset}`);
  }
  const matching = (query: Knex.QueryBuilder) => {
    if (page.search === undefined || page.search === '') return query;
    const pattern = `%${page.search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    return query.where((where) => where.whereILike('d.title', pattern).orWhereILike('d.source', pattern));
  };
  const rows = await matching(selectSummaries(db.knex))
    .orderBy([
      { column: 'd.created_at', order: 'desc' },
      { column: 'd.id', order: 'asc' },
    ])
    .limit(page.limit)
    .offset(page.offset);
  const total = await matching(db.knex('documents as d').whereRaw(VISIBLE_DOCUMENT)).count<
    { count: string }[]
  >({
    count: '*',
  });
  return { items: rows.map(toSummary), total: Number(total[0]?.count ?? 0) };
}

/** The document with its full content, or undefined when there is none with this id. */
export async function getDocument(db: Database, id: string): Promise<DocumentDetail | undefined> {
  if (!isDocumentId(id)) return undefined;
  const row = await selectSummaries(db.knex)
    .select('d.content', 'd.content_sha256')
    .where('d.id', id)
    .first<(SummaryRow & { content: string; content_sha256: string }) | undefined>();
  return row === undefined
    ? undefined
    : { ...toSummary(row), content: row.content, contentSha256: row.content_sha256 };
}

/**
 * The chunk with its document, or undefined when the chunk is not in that document's visible version.
 * One statement, so the passage and the content it is located in are of the same version.
 */
export async function getPassage(
  db: Database,
  documentId: string,
  chunkId: string,
): Promise<Passage | undefined> {
  if (!isDocumentId(documentId) || !isDocumentId(chunkId)) return undefined;
  const row = await selectSummaries(db.knex)
    .join('chunks as c', 'c.document_id', 'd.id')
    .whereRaw(VISIBLE_CHUNK)
    .where({ 'd.id': documentId, 'c.id': chunkId })
    .first<
      | (SummaryRow & {
          content: string;
          content_sha256: string;
          chunk_content: string;
          start_offset: number | null;
          end_offset: number | null;
          page: number | null;
          heading_path: string[] | null;
        })
      | undefined
    >(
      'd.content',
      'd.content_sha256',
      'c.content as chunk_content',
      'c.start_offset',
      'c.end_offset',
      'c.page',
      'c.heading_path',
    );
  if (row === undefined) return undefined;
  return {
    document: { ...toSummary(row), content: row.content, contentSha256: row.content_sha256 },
    chunkId,
    start: row.start_offset,
    end: row.end_offset,
    page: row.page,
    headingPath: row.heading_path,
    content: row.chunk_content,
  };
}

/** Deletes the document and (by cascade) its chunks; false when there was none with this id. */
export async function deleteDocument(db: Database, id: string): Promise<boolean> {
  if (!isDocumentId(id)) return false;
  const deleted = await db.knex('documents').where({ id }).whereNotNull('live_generation').delete();
  return deleted > 0;
}

export async function countCorpus(db: Database): Promise<{ documents: number; chunks: number }> {
  const result = await db.knex.raw<{ rows: { documents: number; chunks: number }[] }>(
    `select (select count(*)::int from documents d where ${VISIBLE_DOCUMENT}) as documents,
            (select count(*)::int from chunks c join documents d on d.id = c.document_id and ${VISIBLE_CHUNK}) as chunks`,
  );
  const row = result.rows[0];
  return { documents: row?.documents ?? 0, chunks: row?.chunks ?? 0 };
}

function selectSummaries(knex: Knex) {
  return knex('documents as d')
    .whereRaw(VISIBLE_DOCUMENT)
    .select<SummaryRow[]>(
      'd.id',
      'd.title',
      'd.source',
      'd.metadata',
      'd.format',
      'd.file_sha256',
      knex.raw(
        `(select count(*)::int from chunks c where c.document_id = d.id and ${VISIBLE_CHUNK}) as chunk_count`,
      ),
      'd.created_at',
      'd.updated_at',
    );
}

function toSummary(row: SummaryRow): DocumentSummary {
  return {
    id: row.id,
    title: row.title,
    source: row.source,
    metadata: row.metadata,
    format: row.format,
    fileSha256: row.file_sha256,
    chunkCount: row.chunk_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
