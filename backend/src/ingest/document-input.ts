import { AppError } from '../errors';

export interface DocumentInput {
  readonly title: string;
  readonly content: string;
  /** A JSON object stored with the document; retrieval can filter on it. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Where the document came from (URL, path, ...). A new document with the same source replaces it. */
  readonly source?: string;
}

export interface ValidDocument {
  readonly title: string;
  readonly content: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly source: string | undefined;
}

/** Checks a document before anything is computed or written; bad input is a 400 naming the field. */
export function validateDocumentInput(input: DocumentInput): ValidDocument {
  const title = input.title.trim();
  if (title === '') throw invalid('title must not be empty');
  if (input.content.trim() === '') throw invalid('content must not be empty');
  const metadata = input.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid('metadata must be a JSON object');
  }
  const source = input.source?.trim();
  if (source === '') throw invalid('source must not be empty when given');
  return { title, content: input.content, metadata, source };
}

function invalid(message: string): AppError {
  return new AppError(400, 'invalid_document', message);
}
