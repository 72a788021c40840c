import type { Knex } from 'knex';
import type { ValidDocument } from './document-input';
import type { EmbeddedChunk } from './embed-chunks';

/**
 * The steps that store a version of a document as a chunk generation (migration 009): claim a
 * generation, insert its chunks in any number of transactions, then publish it in one, or discard it.
 * Each step runs inside the transaction it is given; the caller holds the document's advisory locks
 * (content, then source) across all of them, so nobody else writes this document meanwhile.
 */

export type DocumentToStore = ValidDocument & { readonly contentSha256: string };

/** A stored version with the same content: the ingest is a no-op. */
export interface UnchangedDocument {
  readonly documentId: string;
  readonly status: 'unchanged';
  readonly chunkCount: number;
}

/** Where the new version's chunks go. */
export interface ClaimedGeneration {
  readonly documentId: string;
  /** bigint, as node-postgres returns it. */
  readonly generation: string;
  /** True when a published document (same source) is being replaced; false for a new document row. */
  readonly replacing: boolean;
}

/** SQL conditions every reader applies: documents with a published version, chunks of that version. */
export const VISIBLE_DOCUMENT = 'd.live_generation is not null';
export const VISIBLE_CHUNK = 'c.generation = d.live_generation';

/** The published document holding `contentSha256`, with its visible chunk count. */
export async function findByContent(
  knex: Knex,
  contentSha256: string,
): Promise<UnchangedDocument | undefined> {
  return toUnchanged(await selectByContent(knex, contentSha256));
}

function selectByContent(knex: Knex, contentSha256: string) {
  return knex('documents as d')
    .where('d.content_sha256', contentSha256)
    .whereRaw(VISIBLE_DOCUMENT)
    .first<{ id: string; chunk_count: number } | undefined>(
      'd.id',
      knex.raw(
        `(select count(*)::int from chunks c where c.document_id = d.id and ${VISIBLE_CHUNK}) as chunk_count`,
      ),
    );
}

function toUnchanged(row: { id: string; chunk_count: number } | undefined): UnchangedDocument | undefined {
  return row === undefined
    ? undefined
    : { documentId: row.id, status: 'unchanged', chunkCount: row.chunk_count };
}

/**
 * Re-checks for the content under the locks, removes what writers that died before publishing left
 * behind for this content or source (nobody else can hold these locks), and draws a generation: for a
 * replacement, of the published document with this source; otherwise of a new, unpublished row.
 */
export async function claimGeneration(
  trx: Knex.Transaction,
  document: DocumentToStore,
): Promise<UnchangedDocument | ClaimedGeneration> {
  // One statement: a data-modifying WITH runs to completion whether or not it is read, and the
  // statements after it see its effect; the check itself only reads published rows.
  const leftovers = trx('documents')
    .whereNull('live_generation')
    .where((where) => {
      where.where('content_sha256', document.contentSha256);
      if (document.source !== undefined) where.orWhere('source', document.source);
    })
    .delete();
  const stored = toUnchanged(await selectByContent(trx, document.contentSha256).with('leftovers', leftovers));
  if (stored !== undefined) return stored;

  // The generation is drawn by the statement that finds or creates its document: one round trip less.
  const drawGeneration = trx.raw("nextval('chunk_generations')::text as generation");
  const previous =
    document.source === undefined
      ? undefined
      : await trx('documents')
          .where({ source: document.source })
          .first<{ id: string; live_generation: string; generation: string } | undefined>(
            'id',
            'live_generation',
            drawGeneration,
          );
  if (previous !== undefined) {
    await trx('chunks')
      .where({ document_id: previous.id })
      .whereNot({ generation: previous.live_generation })
      .delete();
    return { documentId: previous.id, generation: previous.generation, replacing: true };
  }
  const [row] = await trx('documents')
    .insert({ ...documentFields(document), source: document.source ?? null, live_generation: null })
    .returning<{ id: string; generation: string }[]>(['id', drawGeneration]);
  return { documentId: row!.id, generation: row!.generation, replacing: false };
}

/**
 * One multi-row INSERT of a batch of the generation's chunks, numbered from `firstOrdinal`: inside
 * `knex` when it is a transaction, else on `connection` (a pooled one), where the statement commits
 * on its own, a transaction of one statement without the BEGIN and COMMIT round trips.
 */
export async function insertChunks(
  knex: Knex,
  claimed: ClaimedGeneration,
  firstOrdinal: number,
  batch: readonly EmbeddedChunk[],
  connection?: unknown,
): Promise<void> {
  const insert = knex('chunks').insert(
    batch.map((chunk, index) => ({
      document_id: claimed.documentId,
      generation: claimed.generation,
      ordinal: firstOrdinal + index,
      content: chunk.content,
      embedding: chunk.embedding,
      start_offset: chunk.start,
      end_offset: chunk.end,
      page: chunk.page ?? null,
      heading_path: chunk.headingPath === undefined ? null : JSON.stringify(chunk.headingPath),
    })),
  );
  await (connection === undefined ? insert : insert.connection(connection));
}

/**
 * Makes the generation the document's visible version, with the new content, and deletes every other
 * generation's chunks: readers see the old version or the new one, never a mix.
 */
export async function publishGeneration(
  trx: Knex.Transaction,
  claimed: ClaimedGeneration,
  document: DocumentToStore,
): Promise<void> {
  // A new document's row already holds its content (claimGeneration): only the generation changes,
  // a column no index covers, so PostgreSQL can update the row in place (HOT) without rewriting the
  // content or touching the documents' indexes.
  const updated = await trx('documents')
    .where({ id: claimed.documentId })
    .update(
      claimed.replacing
        ? { ...documentFields(document), live_generation: claimed.generation, updated_at: trx.fn.now() }
        : { live_generation: claimed.generation },
    );
  if (updated !== 1)
    throw new Error(`document ${claimed.documentId} was deleted while its new version was being written`);
  // A new document's row was created by claimGeneration: it has no chunks of another generation.
  if (!claimed.replacing) return;
  await trx('chunks')
    .where({ document_id: claimed.documentId })
    .whereNot({ generation: claimed.generation })
    .delete();
}

/** Removes an unpublished generation: the new document row (its chunks by cascade), or a replacement's chunks. */
export async function discardGeneration(trx: Knex.Transaction, claimed: ClaimedGeneration): Promise<void> {
  if (claimed.replacing)
    await trx('chunks').where({ document_id: claimed.documentId, generation: claimed.generation }).delete();
  else await trx('documents').where({ id: claimed.documentId }).whereNull('live_generation').delete();
}

function documentFields(document: DocumentToStore) {
  return {
    title: document.title,
    content: document.content,
    content_sha256: document.contentSha256,
    metadata: JSON.stringify(document.metadata),
    format: document.format,
    file_sha256: document.fileSha256 ?? null,
  };
}
