import { AppError } from '../../errors';
import type { FileRejection } from '../../service-kit/error-codes';

export const DOCUMENT_FORMATS = ['pdf', 'docx', 'html', 'markdown', 'text'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** Where a passage sits in its document; stored with each chunk so a citation can point at it. */
export interface Location {
  /** 1-based page of a PDF. */
  readonly page?: number;
  /** Headings above the passage, outermost first (Markdown, HTML and DOCX). */
  readonly headingPath?: readonly string[];
}

/** A stretch `[start, end)` of the document's content that chunks never cross: a page, a section. */
export interface Section extends Location {
  readonly start: number;
  readonly end: number;
}

/** What an extractor makes of a file: its text, cut into sections, before chunking. */
export interface ExtractedDocument {
  readonly format: DocumentFormat;
  /** The document's own title (PDF info, HTML <title>, first heading), when it has one. */
  readonly title: string | undefined;
  readonly content: string;
  readonly sections: readonly Section[];
}

/** Joins pieces of text into one content string, a blank line apart, remembering each piece's span. */
export function joinSections(
  pieces: readonly (Location & { readonly text: string })[],
): Pick<ExtractedDocument, 'content' | 'sections'> {
  let content = '';
  const sections: Section[] = [];
  for (const { text, ...location } of pieces) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (content !== '') content += '\n\n';
    sections.push({ ...location, start: content.length, end: content.length + trimmed.length });
    content += trimmed;
  }
  return { content, sections };
}

export { FILE_REJECTIONS, type FileRejection } from '../../service-kit/error-codes';

const STATUS: Readonly<Record<FileRejection, number>> = {
  unsupported_type: 415,
  file_too_large: 413,
  document_too_large: 413,
  encrypted_pdf: 422,
  no_text_layer: 422,
  corrupt_file: 422,
  decompression_limit: 413,
  empty_document: 422,
};

export function rejectFile(fileName: string, code: FileRejection, reason: string, cause?: unknown): AppError {
  return new AppError(STATUS[code], code, `${fileName}: ${reason}`, cause === undefined ? {} : { cause });
}
