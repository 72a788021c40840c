import { AppError } from '../../errors';
import { type ExtractedDocument, joinSections, rejectFile } from './extracted-document';

export interface PdfLimits {
  readonly maxPages: number;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjsLoading: Promise<PdfJs> | undefined;

/**
 * pdf.js is ESM only; it is loaded on first use. Its worker module is loaded into this thread
 * (`globalThis.pdfjsWorker`), since a service parses one file at a time per request and a
 * separate worker would only add a second copy of the library.
 */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsLoading ??= (async () => {
    const worker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    Object.assign(globalThis, { pdfjsWorker: worker });
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsLoading;
}

/**
 * The text layer of a PDF, one section per page so every chunk knows its page. An encrypted file,
 * one with no text on any page (a scan) and one pdf.js cannot parse are refused by name.
 */
export async function extractPdf(
  fileName: string,
  bytes: Buffer,
  limits: PdfLimits,
): Promise<ExtractedDocument> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    // pdf.js recovers what text it can from a slightly damaged file; only an unreadable one fails.
    stopAtErrors: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  let pdf: Awaited<typeof task.promise>;
  try {
    pdf = await task.promise;
  } catch (error) {
    await task.destroy();
    const name = (error as { name?: string }).name;
    if (name === 'PasswordException') {
      throw rejectFile(
        fileName,
        'encrypted_pdf',
        'the PDF is encrypted; upload a copy without a password',
        error,
      );
    }
    throw rejectFile(fileName, 'corrupt_file', 'the PDF is damaged or not a PDF', error);
  }
  try {
    if (pdf.numPages > limits.maxPages) {
      throw rejectFile(
        fileName,
        'file_too_large',
        `the PDF has ${pdf.numPages} pages, more than ${limits.maxPages}`,
      );
    }
    const pages: { text: string; page: number }[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str;
        if (item.hasEOL) text += '\n';
      }
      page.cleanup();
      pages.push({ text, page: number });
    }
    const joined = joinSections(pages);
    if (joined.content.trim() === '') {
      throw rejectFile(
        fileName,
        'no_text_layer',
        'the PDF has no text layer (a scanned document?); run OCR on it first',
      );
    }
    const info = (await pdf.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' && info.Title.trim() !== '' ? info.Title.trim() : undefined;
    return { format: 'pdf', title, ...joined };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw rejectFile(fileName, 'corrupt_file', 'the PDF is damaged and its text could not be read', error);
  } finally {
    await pdf.destroy();
  }
}
