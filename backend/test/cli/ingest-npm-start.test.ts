import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildDocx } from '../support/fixtures/docx';
import { buildPdf } from '../support/fixtures/pdf';

/**
 * The acceptance path, as a person runs it from a fresh clone: `npm start` (start-local.mjs
 * on the built services, the embedded database in a fresh DATA_DIR), then `npm run ingest -- <folder>`
 * as its own process on a pseudo-terminal (util-linux `script`), so the progress bar is the one a
 * terminal shows. Building and seeding take a while on a shared two-core machine.
 */
jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../../..');
const ERASE_LINE = '\u001b[2K';

let workspace: string;
let library: string;
let launcher: ChildProcess | undefined;
let frontendUrl: string;
let backendUrl: string;

function build(args: readonly string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

/** Starts start-local.mjs and resolves with the frontend and backend URLs it prints. */
function startLocal(dataDir: string): Promise<{ frontend: string; backend: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'frontend/scripts/start-local.mjs')], {
    env: { ...process.env, BACKEND_PORT: '0', FRONTEND_PORT: '0', DATA_DIR: dataDir, ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher = child;
  const output: string[] = [];
  return new Promise((resolveUrls, reject) => {
    let backend: string | undefined;
    const onLine = (line: string) => {
      output.push(line);
      backend ??= /backend \(pid \d+\) ready at (http:\/\/\S+)$/.exec(line)?.[1];
      const ready = /ragchat is ready: open (http:\/\/\S+?)\/?$/.exec(line)?.[1];
      if (ready !== undefined && backend !== undefined) resolveUrls({ frontend: ready, backend });
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => reject(new Error(`start-local exited (${code}):\n${output.join('\n')}`)));
  });
}

/** `npm run ingest -- <args>` typed at the repository root, in a terminal. */
function npmRunIngest(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const command = ['npm', 'run', 'ingest', '--', ...args].map((word) => `'${word}'`).join(' ');
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
    ADMIN_TOKEN: '',
    BACKEND_URL: '',
    COLUMNS: '100',
  };
  // jest itself may run under npm, which would otherwise name jest's folder as the starting one.
  delete env.INIT_CWD;
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  return new Promise((resolveRun) => child.once('exit', (code) => resolveRun({ code, output })));
}

interface Answer {
  answer: string;
  sources: { title: string; page?: number }[];
}

async function ask(query: string): Promise<Answer> {
  const response = await fetch(`${frontendUrl}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

/** The titles the answer cites with its [n] markers. */
function citedSources(answer: Answer): Answer['sources'] {
  const numbers = [...answer.answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
  return [...new Set(numbers)].map((number) => answer.sources[number - 1]).filter((source) => !!source);
}

beforeAll(async () => {
  build([join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'backend', 'frontend/src/server']);
  build([join(ROOT, 'frontend/scripts/build-browser.mjs')]);
  workspace = await mkdtemp(join(tmpdir(), 'ragchat-npm-start-'));
  library = join(workspace, 'library');
  await mkdir(join(library, 'web'), { recursive: true });
  await writeFile(
    join(library, 'atlas.pdf'),
    buildPdf([['Contents of the atlas'], ['Lake Baikal in Siberia is the deepest lake on Earth.']], {
      title: 'Atlas of lakes',
    }),
  );
  await writeFile(
    join(library, 'recipes.docx'),
    buildDocx([
      { text: 'Pancakes', heading: 1 },
      { text: 'Whisk buckwheat flour, eggs and buttermilk into a smooth pancake batter.' },
    ]),
  );
  await writeFile(
    join(library, 'web', 'owls.html'),
    '<html><head><title>Owls</title><script>var tracker = 1;</script></head><body><nav>Home About</nav>' +
      '<main><h1>Owls</h1><p>Barn owls can turn their heads 270 degrees to look behind them.</p></main></body></html>',
  );
  await writeFile(
    join(library, 'garden.md'),
    '# Garden notes\n\n## Tomatoes\n\nWater tomato seedlings early in the morning, never at noon.\n',
  );
  const urls = await startLocal(join(workspace, 'data'));
  frontendUrl = urls.frontend;
  backendUrl = urls.backend;
}, 300_000);

afterAll(async () => {
  if (launcher !== undefined && launcher.exitCode === null) {
    const exited = new Promise((done) => launcher?.once('exit', done));
    launcher.kill('SIGINT');
    await exited;
  }
  if (workspace !== undefined) await rm(workspace, { recursive: true, force: true });
});

describe('npm start, then npm run ingest on a folder', () => {
  it('ingests a PDF, a DOCX, an HTML page and a Markdown file with a progress bar', async () => {
    const run = await npmRunIngest([library, '--url', backendUrl]);
    expect(run.output).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    // The bar is redrawn in place: carriage return, erase line (ESC [2K), then the bar.
    const redraws = run.output.split(`\r${ERASE_LINE}`);
    expect(redraws.some((line) => /^\[\.+\] 0\/4 files · 0 chunks · \d+ chunks\/s · ETA /.test(line))).toBe(
      true,
    );
    expect(redraws.some((line) => /^\[#+\] 4\/4 files · \d+ chunks · \d+ chunks\/s · ETA /.test(line))).toBe(
      true,
    );
    expect(run.output).toMatch(/^stored\s+4\s+\d+\r?$/m);
  });

  it('reports every file unchanged on a second run', async () => {
    const run = await npmRunIngest([library, '--url', backendUrl]);
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/^unchanged\s+4\r?$/m);
    expect(run.output).not.toMatch(/^(stored|replaced|rejected|failed)\s/m);
  });

  it.each([
    ['atlas.pdf', 'Which is the deepest lake on Earth?', 'Atlas of lakes', 2],
    ['recipes.docx', 'How do I make pancake batter?', 'Pancakes', undefined],
    ['web/owls.html', 'How far can barn owls turn their heads?', 'Owls', undefined],
    ['garden.md', 'When should I water tomato seedlings?', 'Garden notes', undefined],
  ])('answers a question about %s with a citation to it', async (_file, question, title, page) => {
    const answer = await ask(question);
    const cited = citedSources(answer);
    expect(cited.map((source) => source.title)).toContain(title);
    const source = cited.find((candidate) => candidate.title === title);
    expect(source?.page).toBe(page);
  });
});
