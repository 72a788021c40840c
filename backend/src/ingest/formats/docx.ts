import mammoth from 'mammoth';
import { type ExtractedDocument, joinSections, rejectFile } from './extracted-document';
import { htmlToPieces } from './html-sections';
import { checkZipBounds, type ZipLimits } from './zip-guard';

/** A Word document's text through mammoth's HTML rendering, so Word headings become heading paths. */
export async function extractDocx(
  fileName: string,
  bytes: Buffer,
  limits: ZipLimits,
): Promise<ExtractedDocument> {
  checkZipBounds(fileName, bytes, limits);
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes }, { ignoreEmptyParagraphs: true })).value;
  } catch (error) {
    throw rejectFile(fileName, 'corrupt_file', 'the DOCX could not be read (is it a Word document?)', error);
  }
  const pieces = htmlToPieces(html);
  return { format: 'docx', title: pieces[0]?.headingPath?.[0], ...joinSections(pieces) };
}
