import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { VirtualClock } from '../clock/clock';
import type { Model } from '../model/model';
import type { TriggerEvent } from './github-context';
import { Runner } from './runner';

const WORKFLOW = '.github/workflows/unmodelled-matrix.yml';
// A matrix value that is not a list is something the runner does not model: the run must fail with
// that error, as the caller's rejection, and nothing else may reject unobserved.
const UNMODELLED_MATRIX = `
name: unmodelled matrix
on: workflow_dispatch
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        target: \${{ fromJSON('"one"') }}
    steps:
      - run: echo never
`;

const DISPATCH: TriggerEvent = {
  name: 'workflow_dispatch',
  ref: 'refs/heads/main',
  sha: '0'.repeat(40),
  actor: 'platform-engineer',
  payload: {},
};

describe('Runner', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'runner-test-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('rejects the run with an error a job throws, leaving no rejection unobserved', async () => {
    const unobserved: unknown[] = [];
    const record = (reason: unknown) => unobserved.push(reason);
    process.on('unhandledRejection', record);
    try {
      const runner = new Runner({
        repoRoot: resolve(__dirname, '../../../..'),
        repository: 'example/ragchat',
        // Neither is reached before the job's strategy is expanded.
        model: { endpoint: 'http://127.0.0.1:9' } as unknown as Model,
        clock: {} as VirtualClock,
        stateDir,
        log: () => {},
        vars: {},
        environments: {},
        awsCli: 'aws',
        overrides: { [WORKFLOW]: UNMODELLED_MATRIX },
      });
      await expect(runner.run(WORKFLOW, DISPATCH)).rejects.toThrow('matrix target is not a list');
      // An unobserved rejection is reported once the microtasks and a macrotask have run.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unobserved).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
