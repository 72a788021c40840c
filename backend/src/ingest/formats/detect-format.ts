import { extname } from 'node:path';
import { type DocumentFormat, rejectFile } from './extracted-document';

const BY_EXTENSION: Readonly<Record<string, DocumentFormat>> = {
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.html': 'html',
  '.htm': 'html',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
};

const BY_MEDIA_TYPE: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/html': 'html',
  'text/markdown': 'markdown',
  'text/plain': 'text',
};

/** File name endings the service reads, for clients that pick files from a folder. */
export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION);

/**
 * The format of an uploaded file: by its name's extension, else by its declared media type. The
 * bytes must agree (a PDF starts with `%PDF-`, a DOCX is a ZIP), so a renamed binary is refused here
 * and not half-parsed later.
 */
export function detectFormat(fileName: string, mediaType: string, head: Buffer): DocumentFormat {
  const format = declaredFormat(fileName, mediaType);
  if (format === 'pdf' && !head.subarray(0, 1024).includes('%PDF-')) {
    throw rejectFile(fileName, 'corrupt_file', 'the file is not a PDF (no %PDF- header)');
  }
  if (format === 'docx' && (head.length < 4 || head.readUInt32LE(0) !== 0x04034b50)) {
    throw rejectFile(fileName, 'corrupt_file', 'the file is not a DOCX (not a ZIP package)');
  }
  return format;
}

/** The format a file's name (else its media type) declares, before any of its bytes are read. */
export function declaredFormat(fileName: string, mediaType: string): DocumentFormat {
  const format =
    BY_EXTENSION[extname(fileName).toLowerCase()] ??
    BY_MEDIA_TYPE[mediaType.split(';')[0]!.trim().toLowerCase()];
  if (format === undefined) {
    throw rejectFile(
      fileName,
      'unsupported_type',
      `this file type is not supported (supported: ${SUPPORTED_EXTENSIONS.join(', ')})`,
    );
  }
  return format;
}
