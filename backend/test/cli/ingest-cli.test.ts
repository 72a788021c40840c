import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../../src/cli/run-ingest';
import { ADMIN_TOKEN, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from '../api/harness';
import { buildDocx } from '../support/fixtures/docx';
import { buildPdf } from '../support/fixtures/pdf';

/** The first PDF loads pdf.js, which takes seconds under jest's transform. */
jest.setTimeout(60_000);

let app: TestApp;
let workspace: string;
let library: string;

beforeAll(async () => {
  app = await startTestApp({ seed: true });
  workspace = await mkdtemp(join(tmpdir(), 'ragchat-ingest-'));
  library = join(workspace, 'library');
  await mkdir(join(library, 'web'), { recursive: true });
  await writeFile(
    join(library, 'atlas.pdf'),
    buildPdf([['Contents'], ['Lake Baikal is the deepest lake on Earth.']]),
  );
  await writeFile(
    join(library, 'recipes.docx'),
    buildDocx([{ text: 'Pancakes', heading: 1 }, { text: 'Whisk flour, eggs and milk.' }]),
  );
  await writeFile(
    join(library, 'web', 'owls.html'),
    '<html><head><title>Owls</title></head><body><p>Owls can turn their heads 270 degrees.</p></body></html>',
  );
  await writeFile(join(library, 'notes.md'), '# Notes\n\n## Garden\n\nWater tomatoes early.\n');
  await writeFile(join(library, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(library, '.hidden.md'), '# Hidden\n');
}, STARTUP_TIMEOUT_MS);

afterAll(async () => {
  await app.close();
  await rm(workspace, { recursive: true, force: true });
});

async function run(args: readonly string[], options: { tty?: boolean; token?: string | null } = {}) {
  let stdout = '';
  let stderr = '';
  const env = {
    BACKEND_URL: app.url,
    ...(options.token === null ? {} : { ADMIN_TOKEN: options.token ?? ADMIN_TOKEN }),
  };
  const code = await runIngest({
    argv: args,
    env,
    cwd: workspace,
    stdout: {
      write: (text) => {
        stdout += text;
      },
      isTTY: options.tty ?? false,
      columns: 100,
    },
    stderr: {
      write: (text) => {
        stderr += text;
      },
    },
  });
  return { code, stdout, stderr };
}

async function sources(): Promise<string[]> {
  const page = (await (await fetch(`${app.url}/api/documents?search=library/&limit=100`)).json()) as {
    items: { source: string }[];
  };
  return page.items.map((item) => item.source).sort();
}

describe('npm run ingest', () => {
  it('lists what it would upload on --dry-run and changes nothing', async () => {
    const result = await run(['library', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would store   library/atlas.pdf');
    expect(result.stdout).toContain('would store   library/web/owls.html');
    expect(result.stdout).not.toContain('photo.png');
    expect(result.stdout).not.toContain('hidden');
    expect(await sources()).toEqual([]);
  });

  it('ingests every supported file of a folder, printing one plain line per file off a TTY', async () => {
    const result = await run(['library']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^stored\s+library\/atlas\.pdf \(\d+ chunks\)$/m);
    expect(result.stdout).toMatch(/^stored\s+library\/notes\.md/m);
    expect(result.stdout).toMatch(/^stored\s+4\s+\d+$/m);
    expect(await sources()).toEqual([
      'library/atlas.pdf',
      'library/notes.md',
      'library/recipes.docx',
      'library/web/owls.html',
    ]);
  });

  it('reports every file unchanged on a second run, with a progress bar on a TTY', async () => {
    const result = await run(['library'], { tty: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4/4 files');
    expect(result.stdout).toMatch(/\[[#.]+\] \d+\/4 files · \d+ chunks · \d+ chunks\/s · ETA /);
    expect(result.stdout).toMatch(/^unchanged\s+4$/m);
    expect(result.stdout).not.toMatch(/^stored/m);
  });

  it('replaces a changed file and prunes a deleted one', async () => {
    await writeFile(join(library, 'notes.md'), '# Notes\n\n## Garden\n\nWater tomatoes in the evening.\n');
    await rm(join(library, 'web', 'owls.html'));
    const result = await run(['library', '--prune']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^replaced\s+library\/notes\.md/m);
    expect(result.stdout).toMatch(/^deleted\s+library\/web\/owls\.html/m);
    expect(await sources()).toEqual(['library/atlas.pdf', 'library/notes.md', 'library/recipes.docx']);
    // Documents outside the named folder (the sample corpus) are never pruned.
    const stats = (await (await fetch(`${app.url}/api/stats`)).json()) as { documents: number };
    expect(stats.documents).toBeGreaterThan(3);
  });

  it('exits non-zero and names the reason when a file is refused', async () => {
    await writeFile(join(library, 'scan.pdf'), buildPdf([[]]));
    const result = await run(['library']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^rejected\s+library\/scan\.pdf: library\/scan\.pdf: the PDF has no text layer/m,
    );
    expect(result.stdout).toContain('Not ingested:');
    await rm(join(library, 'scan.pdf'));
  });

  it('stops with a clear message on a wrong token, an unknown flag or a missing folder', async () => {
    await writeFile(join(library, 'new.txt'), 'A file that needs uploading.');
    const wrongToken = await run(['library'], { token: 'not-the-admin-token-at-all' });
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.stderr).toMatch(
      /refused the admin request \(HTTP 401\): pass --token or set ADMIN_TOKEN/,
    );
    expect(await sources()).not.toContain('library/new.txt');
    const unknown = await run(['library', '--fast']);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([2, 'ingest: unknown option --fast']);
    const missing = await run(['no-such-folder']);
    expect([missing.code, missing.stderr]).toEqual([2, 'ingest: no-such-folder: no such file or folder\n']);
  });
});
