import { getPassage, listDocuments } from '../../src/ingest/document-store';
import { extractFile } from '../../src/ingest/formats/extract';
import { ingestFile } from '../../src/ingest/ingest-file';
import { retrieve } from '../../src/retrieval/retrieve';
import { DATABASE_TIERS, useMigratedDatabase } from '../support/database-tiers';
import { testEmbedder } from '../support/embedders';
import { buildPdf } from '../support/fixtures/pdf';

// The first PDF loads pdf.js (transformed by jest on first use).
jest.setTimeout(60_000);
const LIMITS = { maxFileBytes: 1_000_000, maxDocumentChars: 100_000 };

const MARKDOWN = '# Handbook\n\nWelcome.\n\n## Holidays\n\nStaff get thirty vacation days a year.\n';

describe.each(DATABASE_TIERS)('document formats on %s', (_label, tier) => {
  const database = useMigratedDatabase(tier);

  const embedder = testEmbedder();
  const upload = (name: string, bytes: Buffer) =>
    ingestFile(database.db, embedder, { name, mediaType: '', bytes }, { limits: LIMITS });

  it('stores the page of every PDF chunk and finds the passage in its document', async () => {
    const pdf = buildPdf([['Introduction to ferns.'], ['Ferns reproduce with spores, not seeds.']]);
    const outcome = await upload('botany/ferns.pdf', pdf);
    expect(outcome).toMatchObject({ status: 'stored', chunks: 2 });
    const found = await retrieve(database.db, embedder, {
      query: 'ferns spores seeds',
      topK: 1,
      minScore: 0,
    });
    expect(found.chunks[0]).toMatchObject({ page: 2, title: 'ferns' });
    const passage = await getPassage(database.db, found.chunks[0]!.documentId, found.chunks[0]!.chunkId);
    expect(passage?.page).toBe(2);
    expect(passage?.document.format).toBe('pdf');
    expect(passage?.document.content.slice(passage.start!, passage.end!)).toBe(passage?.content);
  });

  it('stores heading paths and embeds them with the chunk', async () => {
    const outcome = await upload('handbook.md', Buffer.from(MARKDOWN));
    expect(outcome.status).toBe('stored');
    const found = await retrieve(database.db, embedder, { query: 'vacation days', topK: 1, minScore: 0 });
    expect(found.chunks[0]?.headingPath).toEqual(['Handbook', 'Holidays']);
    // The embedded text starts with the heading path; the stored content is the exact slice.
    const extracted = await extractFile('handbook.md', '', Buffer.from(MARKDOWN), LIMITS);
    expect(found.chunks[0]?.content).toBe(
      MARKDOWN.slice(extracted.sections[1]!.start, extracted.sections[1]!.end).trim(),
    );
  });

  it('reports the same file unchanged without reading it, and a changed file as replaced', async () => {
    const first = await upload('handbook.md', Buffer.from(MARKDOWN));
    expect(first.status).toBe('unchanged');
    const changed = await upload(
      'handbook.md',
      Buffer.from(`${MARKDOWN}\n## Sick leave\n\nTell your manager.\n`),
    );
    expect(changed).toMatchObject({ status: 'replaced', id: first.status === 'unchanged' ? first.id : '' });
  });

  it('lists documents with their format and file hash, filtered by search', async () => {
    const page = await listDocuments(database.db, { limit: 10, offset: 0, search: 'BOTANY/' });
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({
      source: 'botany/ferns.pdf',
      format: 'pdf',
      fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const none = await listDocuments(database.db, { limit: 10, offset: 0, search: '100%_' });
    expect(none.total).toBe(0);
  });

  it('stores nothing for a rejected file', async () => {
    const before = await listDocuments(database.db, { limit: 100, offset: 0 });
    const outcome = await upload('scan.pdf', buildPdf([[]]));
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'no_text_layer' } });
    expect((await listDocuments(database.db, { limit: 100, offset: 0 })).total).toBe(before.total);
  });
});
