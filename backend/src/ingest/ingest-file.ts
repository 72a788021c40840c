import { createHash } from 'node:crypto';
import type { Database } from '../db/database';
import { AppError } from '../errors';
import type { Embedder } from '../pipeline/types';
import type { ErrorCode } from '../service-kit/error-codes';
import { VISIBLE_CHUNK, VISIBLE_DOCUMENT } from './document-generation';
import { type ExtractionLimits, extractFile } from './formats/extract';
import { ingestDocument } from './ingest-document';

export interface UploadedFile {
  /** The name the client gave, a relative path for a folder import; it becomes the source. */
  readonly name: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
}

export type FileOutcome =
  | {
      readonly file: string;
      readonly status: 'stored' | 'replaced' | 'unchanged';
      readonly id: string;
      readonly chunks: number;
    }
  | {
      readonly file: string;
      readonly status: 'rejected';
      readonly error: { readonly status: number; readonly code: ErrorCode; readonly message: string };
    };

/**
 * Stores one uploaded file as a document whose source is the file's name. A file whose bytes match
 * what is stored for that source is unchanged without being read again; otherwise it is extracted,
 * chunked and embedded (ingestDocument), replacing the earlier version. Bad input comes back as a
 * rejected outcome naming the file; nothing is stored for it.
 */
export async function ingestFile(
  db: Database,
  embedder: Embedder,
  file: UploadedFile,
  options: { readonly limits: ExtractionLimits; readonly signal?: AbortSignal },
): Promise<FileOutcome> {
  try {
    const fileSha256 = createHash('sha256').update(file.bytes).digest('hex');
    const stored = await db
      .knex('documents as d')
      .where({ 'd.source': file.name, 'd.file_sha256': fileSha256 })
      .whereRaw(VISIBLE_DOCUMENT)
      .first<{ id: string; chunks: number } | undefined>(
        'd.id',
        db.knex.raw(
          `(select count(*)::int from chunks c where c.document_id = d.id and ${VISIBLE_CHUNK}) as chunks`,
        ),
      );
    if (stored !== undefined)
      return { file: file.name, status: 'unchanged', id: stored.id, chunks: stored.chunks };

    const extracted = await extractFile(file.name, file.mediaType, file.bytes, options.limits);
    const result = await ingestDocument(
      db,
      embedder,
      {
        title: extracted.title,
        content: extracted.content,
        source: file.name,
        format: extracted.format,
        sections: extracted.sections,
        fileSha256,
      },
      options.signal === undefined ? {} : { signal: options.signal },
    );
    return {
      file: file.name,
      status: result.status === 'created' ? 'stored' : result.status,
      id: result.documentId,
      chunks: result.chunkCount,
    };
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return {
      file: file.name,
      status: 'rejected',
      error: { status: error.status, code: error.code, message: error.message },
    };
  }
}
