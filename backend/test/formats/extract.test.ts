import { AppError } from '../../src/errors';
import { extractFile } from '../../src/ingest/formats/extract';
import { buildDocx } from '../support/fixtures/docx';
import { buildPdf } from '../support/fixtures/pdf';
import { buildZip } from '../support/fixtures/zip';

/** The first PDF loads pdf.js, which jest transforms on first use: seconds on a busy machine. */
jest.setTimeout(60_000);

const LIMITS = { maxFileBytes: 1_000_000, maxDocumentChars: 100_000 };

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

const sectionText = (document: { content: string; sections: readonly { start: number; end: number }[] }) =>
  document.sections.map(({ start, end }) => document.content.slice(start, end));

describe('PDF', () => {
  it('keeps each page as its own section, numbered from 1', async () => {
    const pdf = buildPdf([['Wombats dig burrows.'], ['Koalas sleep', 'most of the day.']], {
      title: 'Marsupials',
    });
    const document = await extractFile('animals.pdf', 'application/pdf', pdf, LIMITS);
    expect(document.format).toBe('pdf');
    expect(document.title).toBe('Marsupials');
    expect(document.sections.map((section) => section.page)).toEqual([1, 2]);
    expect(sectionText(document)[0]).toBe('Wombats dig burrows.');
    expect(sectionText(document)[1]).toMatch(/Koalas sleep\s+most of the day\./);
  });

  it('refuses an encrypted PDF by name', async () => {
    const error = await rejection(
      extractFile('secret.pdf', '', buildPdf([['x']], { encrypted: true }), LIMITS),
    );
    expect([error.status, error.code]).toEqual([422, 'encrypted_pdf']);
    expect(error.message).toMatch(/^secret\.pdf: the PDF is encrypted/);
  });

  it('refuses a scanned PDF with no text layer', async () => {
    const error = await rejection(extractFile('scan.pdf', '', buildPdf([[], []]), LIMITS));
    expect([error.status, error.code]).toEqual([422, 'no_text_layer']);
    expect(error.message).toMatch(/^scan\.pdf: /);
  });

  it('refuses a corrupt PDF', async () => {
    const truncated = buildPdf([['Some text here']]).subarray(0, 60);
    const error = await rejection(extractFile('broken.pdf', '', truncated, LIMITS));
    expect([error.status, error.code]).toEqual([422, 'corrupt_file']);
    expect(error.message).toMatch(/^broken\.pdf: /);
  });

  it('refuses a file that only claims to be a PDF', async () => {
    const error = await rejection(extractFile('fake.pdf', '', Buffer.from('hello, not a pdf'), LIMITS));
    expect([error.status, error.code]).toEqual([422, 'corrupt_file']);
  });
});

describe('DOCX', () => {
  it('reads paragraphs and turns Word headings into heading paths', async () => {
    const docx = buildDocx([
      { text: 'Field guide', heading: 1 },
      { text: 'An introduction to birds.' },
      { text: 'Parrots', heading: 2 },
      { text: 'Parrots can mimic speech.' },
    ]);
    const document = await extractFile('guide.docx', '', docx, LIMITS);
    expect(document.format).toBe('docx');
    expect(document.title).toBe('Field guide');
    expect(document.sections.map((section) => section.headingPath)).toEqual([
      ['Field guide'],
      ['Field guide', 'Parrots'],
    ]);
    expect(sectionText(document)[1]).toBe('Parrots\n\nParrots can mimic speech.');
  });

  it('refuses a zip bomb before inflating it', async () => {
    const bomb = buildDocx(
      [{ text: 'tiny' }],
      [{ name: 'word/media/padding.bin', data: Buffer.alloc(12_000_000) }],
    );
    expect(bomb.length).toBeLessThan(LIMITS.maxFileBytes);
    const error = await rejection(extractFile('bomb.docx', '', bomb, LIMITS));
    expect([error.status, error.code]).toEqual([413, 'decompression_limit']);
    expect(error.message).toMatch(/^bomb\.docx: /);
  });

  it('refuses a part that inflates past the size its header declares', async () => {
    const liar = buildDocx(
      [{ text: 'tiny' }],
      [{ name: 'word/media/a.bin', data: Buffer.alloc(5_000_000), declaredSize: 100 }],
    );
    const error = await rejection(extractFile('liar.docx', '', liar, LIMITS));
    expect([error.status, error.code]).toEqual([413, 'decompression_limit']);
  });

  it('refuses a ZIP that is not a Word document', async () => {
    const zip = buildZip([{ name: 'hello.txt', data: 'hello' }]);
    const error = await rejection(extractFile('notword.docx', '', zip, LIMITS));
    expect([error.status, error.code]).toEqual([422, 'corrupt_file']);
    expect(error.message).toMatch(/^notword\.docx: /);
  });
});

describe('HTML', () => {
  it('keeps the main content and drops navigation, scripts and styles', async () => {
    const html = `<!doctype html><html><head><title>Otters</title><style>.x{color:red}</style></head><body>
      <nav><a href="/">Home</a> <a href="/about">About us menu</a></nav>
      <script>var tracking = "do-not-index";</script>
      <article><h1>Sea otters</h1><p>Sea otters hold hands while they sleep so they do not drift apart.
      They use rocks as tools to open shellfish, and they have the densest fur of any animal.</p>
      <h2>Diet</h2><p>They eat sea urchins, crabs, clams and mussels, up to a quarter of their weight each day.</p></article>
      <footer>Copyright footer text</footer></body></html>`;
    const document = await extractFile('otters.html', 'text/html', Buffer.from(html), LIMITS);
    expect(document.title).toBe('Otters');
    expect(document.content).toContain('hold hands');
    expect(document.content).toContain('sea urchins');
    for (const dropped of ['do-not-index', 'color:red', 'About us menu', 'Copyright footer']) {
      expect(document.content).not.toContain(dropped);
    }
    // Readability drops the h1 that repeats the title; the h2 below it still names its section.
    expect(document.sections.at(-1)?.headingPath).toEqual(['Diet']);
  });
});

describe('Markdown', () => {
  it('gives every section its heading path and ignores # inside code fences', async () => {
    const markdown =
      '# Guide\n\nIntro.\n\n## Install\n\nRun it.\n\n```sh\n# not a heading\n```\n\n### Linux\n\nUse apt.\n\n## Use\n\nAsk.\n';
    const document = await extractFile('guide.md', '', Buffer.from(markdown), LIMITS);
    expect(document.title).toBe('Guide');
    expect(document.content).toBe(markdown);
    expect(document.sections.map((section) => section.headingPath)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Install', 'Linux'],
      ['Guide', 'Use'],
    ]);
    expect(sectionText(document)[1]).toContain('# not a heading');
  });
});

describe('Markdown headings without text', () => {
  it('lead into the next section instead of becoming chunks of their own', async () => {
    const markdown = '# Manual\n\n## Setup\n\nPlug it in.\n';
    const document = await extractFile('manual.md', '', Buffer.from(markdown), LIMITS);
    expect(document.sections).toEqual([{ start: 0, end: markdown.length, headingPath: ['Manual', 'Setup'] }]);
  });
});

describe('every file', () => {
  it('refuses a type it does not read', async () => {
    const error = await rejection(extractFile('photo.png', 'image/png', Buffer.from([0x89, 0x50]), LIMITS));
    expect([error.status, error.code]).toEqual([415, 'unsupported_type']);
    expect(error.message).toMatch(/^photo\.png: this file type is not supported/);
  });

  it('refuses a file over the size limit', async () => {
    const error = await rejection(
      extractFile('big.txt', '', Buffer.alloc(LIMITS.maxFileBytes + 1, 'a'), LIMITS),
    );
    expect([error.status, error.code]).toEqual([413, 'file_too_large']);
  });

  it('refuses text that is not UTF-8, and an empty file', async () => {
    const binary = await rejection(
      extractFile('notes.txt', '', Buffer.from([0xff, 0xfe, 0x00, 0x41]), LIMITS),
    );
    expect(binary.code).toBe('corrupt_file');
    const empty = await rejection(extractFile('empty.md', '', Buffer.from('  \n'), LIMITS));
    expect(empty.code).toBe('empty_document');
  });

  it('names the file without its extension when the document has no title', async () => {
    const document = await extractFile('notes/meeting-minutes.txt', '', Buffer.from('We met.'), LIMITS);
    expect(document.title).toBe('meeting-minutes');
  });
});
