import { rejectFile } from './extracted-document';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A text file's bytes as a string: UTF-8 (a BOM is dropped), anything else is refused. */
export function decodeTextFile(fileName: string, bytes: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw rejectFile(fileName, 'corrupt_file', 'the file is not valid UTF-8 text');
  }
  if (text.includes('\u0000'))
    throw rejectFile(fileName, 'corrupt_file', 'the file contains NUL bytes, so it is not text');
  return text.replace(/^\uFEFF/, '');
}
