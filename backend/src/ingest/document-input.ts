import { AppError } from '../errors';
import type { DocumentFormat, Section } from './formats/extracted-document';

export interface DocumentInput {
  readonly title: string;
  readonly content: string;
  /** A JSON object stored with the document; retrieval can filter on it. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Where the document came from (URL, path, ...). A new document with the same source replaces it. */
  readonly source?: string;
  /** What the content was read from. @default 'text' */
  readonly format?: DocumentFormat;
  /** Pages or sections of the content that chunks must not cross (see formats/). */
  readonly sections?: readonly Section[];
  /** SHA-256 of the uploaded file's bytes, when the content was extracted from a file. */
  readonly fileSha256?: string;
}

export interface ValidDocument {
  readonly title: string;
  readonly content: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly source: string | undefined;
  readonly format: DocumentFormat;
  readonly sections: readonly Section[] | undefined;
  readonly fileSha256: string | undefined;
}

/** Checks a document before anything is computed or written; bad input is a 400 naming the field. */
export function validateDocumentInput(input: DocumentInput): ValidDocument {
  const title = input.title.trim();
  if (title === '') throw invalid('title must not be empty');
  if (input.content.trim() === '') throw invalid('content must not be empty');
  const metadata = input.metadata ?? {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw invalid('metadata must be a JSON object');
  }
  const source = input.source?.trim();
  if (source === '') throw invalid('source must not be empty when given');
  // PostgreSQL text and jsonb cannot hold U+0000; refuse it up front rather than fail after embedding.
  for (const [name, value] of Object.entries({ title, content: input.content, source, metadata })) {
    if (containsNul(value)) throw invalid(`${name} must not contain the NUL character (U+0000)`);
  }
  const { sections } = input;
  if (sections?.some(({ start, end }) => !(start >= 0 && start <= end && end <= input.content.length))) {
    throw invalid('sections must lie within the content');
  }
  return {
    title,
    content: input.content,
    metadata,
    source,
    format: input.format ?? 'text',
    sections,
    fileSha256: input.fileSha256,
  };
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
}

function invalid(message: string): AppError {
  return new AppError(400, 'invalid_document', message);
}
