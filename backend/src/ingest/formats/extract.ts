import { basename, extname } from 'node:path';
import { detectFormat } from './detect-format';
import { extractDocx } from './docx';
import { type ExtractedDocument, rejectFile } from './extracted-document';
import { extractHtml } from './html';
import { extractMarkdown } from './markdown';
import { extractPdf } from './pdf';
import { extractPlainText } from './plain-text';
import { decodeTextFile } from './text-file';

export interface ExtractionLimits {
  /** Largest file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Largest extracted text, in characters (the same bound as a JSON upload's content). */
  readonly maxDocumentChars: number;
}

/** A PDF page count past which the file is refused before its pages are read. */
export const MAX_PDF_PAGES = 5000;
/** A DOCX may inflate to this many times the file limit, and never past MAX_DOCX_INFLATED_BYTES. */
const DOCX_INFLATE_RATIO = 10;
const MAX_DOCX_INFLATED_BYTES = 200 * 1024 * 1024;
const MAX_DOCX_PARTS = 2000;

export interface ExtractedFile extends ExtractedDocument {
  /** The document's own title, else the file name without its extension. */
  readonly title: string;
}

/**
 * Reads one uploaded file into text and sections, whatever its format. Every refusal is an
 * AppError whose message starts with the file name; nothing is stored before this returns.
 */
export async function extractFile(
  fileName: string,
  mediaType: string,
  bytes: Buffer,
  limits: ExtractionLimits,
): Promise<ExtractedFile> {
  if (bytes.length > limits.maxFileBytes) {
    throw rejectFile(fileName, 'file_too_large', `the file is larger than ${limits.maxFileBytes} bytes`);
  }
  const format = detectFormat(fileName, mediaType, bytes);
  const extracted = await extractByFormat(format, fileName, bytes, limits);
  if (extracted.content.trim() === '') throw rejectFile(fileName, 'empty_document', 'the file has no text');
  if (extracted.content.length > limits.maxDocumentChars) {
    throw rejectFile(
      fileName,
      'document_too_large',
      `the file's text is longer than ${limits.maxDocumentChars} characters`,
    );
  }
  if (extracted.content.includes('\u0000')) {
    throw rejectFile(fileName, 'corrupt_file', 'the text contains the NUL character (U+0000)');
  }
  const title = (extracted.title ?? '').trim() || basename(fileName, extname(fileName)) || fileName;
  return { ...extracted, title: title.slice(0, 300) };
}

function extractByFormat(
  format: ExtractedDocument['format'],
  fileName: string,
  bytes: Buffer,
  limits: ExtractionLimits,
): Promise<ExtractedDocument> | ExtractedDocument {
  switch (format) {
    case 'pdf':
      return extractPdf(fileName, bytes, { maxPages: MAX_PDF_PAGES });
    case 'docx':
      return extractDocx(fileName, bytes, {
        maxUncompressedBytes: Math.min(MAX_DOCX_INFLATED_BYTES, limits.maxFileBytes * DOCX_INFLATE_RATIO),
        maxEntries: MAX_DOCX_PARTS,
      });
    case 'html':
      return extractHtml(decodeTextFile(fileName, bytes));
    case 'markdown':
      return extractMarkdown(decodeTextFile(fileName, bytes));
    case 'text':
      return extractPlainText(decodeTextFile(fileName, bytes));
  }
}
