import { buildDocx } from '../support/fixtures/docx';
import { buildPdf } from '../support/fixtures/pdf';
import { adminHeaders, postJson, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

// The first PDF loads pdf.js (transformed by jest on first use).
jest.setTimeout(60_000);

let app: TestApp;

const MAX_FILE_BYTES = 64 * 1024;

beforeAll(async () => {
  app = await startTestApp({
    seed: false,
    // Deployed semantics (no local user who is admin by default), so only the admin token may upload.
    env: { NODE_ENV: 'production', MAX_UPLOAD_FILE_BYTES: String(MAX_FILE_BYTES), MAX_UPLOAD_FILES: '8' },
  });
}, STARTUP_TIMEOUT_MS);

afterAll(() => app.close());

interface Outcome {
  file: string;
  status: string;
  id?: string;
  chunks?: number;
  error?: { status: number; code: string; message: string };
}

function upload(files: readonly [string, Buffer | string][], headers: Record<string, string> = adminHeaders) {
  const form = new FormData();
  for (const [name, data] of files) form.append('files', new Blob([data]), name);
  return fetch(`${app.url}/api/documents`, { method: 'POST', headers, body: form });
}

async function corpusSize(): Promise<{ documents: number; chunks: number }> {
  const stats = (await (await fetch(`${app.url}/api/stats`)).json()) as { documents: number; chunks: number };
  return { documents: stats.documents, chunks: stats.chunks };
}

const PDF = buildPdf([['Chapter one is about rivers.'], ['The Danube flows through ten countries.']], {
  title: 'Rivers of Europe',
});
const DOCX = buildDocx([
  { text: 'Tea guide', heading: 1 },
  { text: 'Oolong tea is partially oxidised, between green and black tea.' },
]);
const HTML =
  '<html><head><title>Volcanoes</title><script>var x = "tracking-code";</script></head><body><nav>Menu Home</nav>' +
  '<main><h1>Volcanoes</h1><p>Mount Etna in Sicily is one of the most active volcanoes in the world.</p></main></body></html>';
const MARKDOWN =
  '# Kitchen\n\n## Bread\n\nSourdough needs a starter of flour and water kept alive for days.\n';

describe('multipart uploads', () => {
  it('refuses files without an admin identity and stores nothing', async () => {
    const response = await upload([['notes.md', MARKDOWN]], {});
    expect(response.status).toBe(401);
    expect(await corpusSize()).toEqual({ documents: 0, chunks: 0 });
  });

  it('stores a PDF, a DOCX, an HTML page and a Markdown file in one request, one outcome each', async () => {
    const response = await upload([
      ['docs/rivers.pdf', PDF],
      ['docs/tea.docx', DOCX],
      ['docs/volcanoes.html', HTML],
      ['docs/kitchen.md', MARKDOWN],
    ]);
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: Outcome[] };
    expect(results.map(({ file, status }) => [file, status])).toEqual([
      ['docs/rivers.pdf', 'stored'],
      ['docs/tea.docx', 'stored'],
      ['docs/volcanoes.html', 'stored'],
      ['docs/kitchen.md', 'stored'],
    ]);
    const list = (await (await fetch(`${app.url}/api/documents?search=docs/`)).json()) as {
      items: { title: string; source: string; format: string }[];
      total: number;
    };
    expect(list.total).toBe(4);
    expect(list.items.map((item) => [item.source, item.format, item.title]).sort()).toEqual([
      ['docs/kitchen.md', 'markdown', 'Kitchen'],
      ['docs/rivers.pdf', 'pdf', 'Rivers of Europe'],
      ['docs/tea.docx', 'docx', 'Tea guide'],
      ['docs/volcanoes.html', 'html', 'Volcanoes'],
    ]);
  });

  it('reports every file unchanged on a second upload', async () => {
    const response = await upload([
      ['docs/rivers.pdf', PDF],
      ['docs/tea.docx', DOCX],
    ]);
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: Outcome[] };
    expect(results.map((result) => result.status)).toEqual(['unchanged', 'unchanged']);
  });

  it('replaces a re-uploaded file with new content and keeps its id', async () => {
    const before = (await (await upload([['docs/kitchen.md', MARKDOWN]])).json()) as { results: Outcome[] };
    const response = await upload([
      ['docs/kitchen.md', `${MARKDOWN}\n## Soup\n\nMinestrone is a vegetable soup.\n`],
    ]);
    const { results } = (await response.json()) as { results: Outcome[] };
    expect(results[0]).toMatchObject({ status: 'replaced', id: before.results[0]?.id });
  });

  it('answers a question about the PDF citing its page, and the citation opens the passage', async () => {
    const response = await postJson(`${app.url}/api/query`, {
      query: 'Which countries does the Danube flow through?',
    });
    const body = (await response.json()) as {
      sources: { documentId: string; chunkId: string; title: string; page?: number }[];
    };
    const cited = body.sources[0]!;
    expect(cited).toMatchObject({ title: 'Rivers of Europe', page: 2 });
    const passage = (await (
      await fetch(`${app.url}/api/documents/${cited.documentId}/passages/${cited.chunkId}`)
    ).json()) as {
      page: number;
      start: number;
      end: number;
      content: string;
      document: { content: string };
    };
    expect(passage.page).toBe(2);
    expect(passage.document.content.slice(passage.start, passage.end)).toBe(passage.content);
    expect(passage.content).toContain('Danube');
  });

  it('answers 404 for a chunk that is not in the named document, 400 for a malformed id', async () => {
    const page = (await (await fetch(`${app.url}/api/documents?search=tea.docx`)).json()) as {
      items: { id: string }[];
    };
    const other = '00000000-0000-4000-8000-000000000000';
    const missing = await fetch(`${app.url}/api/documents/${page.items[0]!.id}/passages/${other}`);
    expect(missing.status).toBe(404);
    const malformed = await fetch(`${app.url}/api/documents/${page.items[0]!.id}/passages/not-a-uuid`);
    expect(malformed.status).toBe(400);
  });
});

describe('bad files', () => {
  const bomb = buildDocx(
    [{ text: 'tiny' }],
    [{ name: 'word/media/padding.bin', data: Buffer.alloc(40_000_000) }],
  );

  it.each([
    ['an encrypted PDF', 'locked.pdf', buildPdf([['secret']], { encrypted: true }), 422, 'encrypted_pdf'],
    ['a scanned PDF without text', 'scan.pdf', buildPdf([[]]), 422, 'no_text_layer'],
    ['a corrupt PDF', 'broken.pdf', buildPdf([['text']]).subarray(0, 80), 422, 'corrupt_file'],
    ['a corrupt DOCX', 'broken.docx', Buffer.from('PK\u0003\u0004 not really a zip'), 422, 'corrupt_file'],
    ['an oversized file', 'huge.txt', Buffer.alloc(MAX_FILE_BYTES + 10, 'a'), 413, 'file_too_large'],
    ['a zip bomb in a DOCX', 'bomb.docx', bomb, 413, 'decompression_limit'],
    ['a type we do not read', 'photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 415, 'unsupported_type'],
    ['a path that climbs out', '../etc/passwd.txt', 'root', 400, 'invalid_file_name'],
  ])('refuses %s with a 4xx naming the file, and stores nothing', async (_case, name, data, status, code) => {
    expect(typeof data === 'string' || data.length < MAX_FILE_BYTES * 2).toBe(true);
    const before = await corpusSize();
    const response = await upload([[name, data]]);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; message: string }; results: Outcome[] };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toContain(name);
    expect(body.results).toEqual([
      { file: name, status: 'rejected', error: { status, code, message: body.error.message } },
    ]);
    expect(await corpusSize()).toEqual(before);
  });

  it('stores the good files of a mixed upload and answers 207 with the refusal beside them', async () => {
    const response = await upload([
      ['mixed/good.txt', 'Penguins cannot fly but they swim very well.'],
      ['mixed/scan.pdf', buildPdf([[]])],
    ]);
    expect(response.status).toBe(207);
    const { results } = (await response.json()) as { results: Outcome[] };
    expect(results.map((result) => [result.file, result.status, result.error?.code])).toEqual([
      ['mixed/good.txt', 'stored', undefined],
      ['mixed/scan.pdf', 'rejected', 'no_text_layer'],
    ]);
  });

  it('refuses an oversized file of a streamed request at the limit, and stores the files after it', async () => {
    const boundary = 'ragchat-streamed-upload';
    const part = (name: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n';
    const block = Buffer.alloc(65_536, 'z');
    const oversizedBytes = 32 * 1024 * 1024;
    // Generated as the server reads it: neither side ever holds an oversized file whole.
    async function* body() {
      for (const name of ['streamed/huge.txt', 'streamed/movie.mp4']) {
        yield Buffer.from(part(name));
        for (let sent = 0; sent < oversizedBytes; sent += block.length) yield block;
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`${part('streamed/after.txt')}Walruses use their tusks to climb onto ice.\r\n`);
      yield Buffer.from(`--${boundary}--\r\n`);
    }
    const before = await corpusSize();
    const response = await fetch(`${app.url}/api/documents`, {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: ReadableStream.from(body()),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(207);
    const { results } = (await response.json()) as { results: Outcome[] };
    expect(results.map((result) => [result.file, result.status, result.error?.code])).toEqual([
      ['streamed/huge.txt', 'rejected', 'file_too_large'],
      ['streamed/movie.mp4', 'rejected', 'unsupported_type'],
      ['streamed/after.txt', 'stored', undefined],
    ]);
    expect(results[0]?.error?.message).toBe(
      `streamed/huge.txt: the file is larger than ${MAX_FILE_BYTES} bytes`,
    );
    expect(await corpusSize()).toEqual({ documents: before.documents + 1, chunks: before.chunks + 1 });
  });

  it('refuses a multipart body without files', async () => {
    const form = new FormData();
    form.append('note', 'hello');
    const response = await fetch(`${app.url}/api/documents`, {
      method: 'POST',
      headers: adminHeaders,
      body: form,
    });
    expect(response.status).toBe(400);
  });
});
