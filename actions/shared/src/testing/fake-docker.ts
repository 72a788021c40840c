import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A `docker` executable for tests (no Docker engine here): appends each invocation's arguments and
 * stdin as one JSON line to calls.jsonl beside it; `buildx build` writes the configured digest into
 * the --metadata-file, or exits with the configured code. Configuration is a file, not environment
 * variables, because jest's sandboxed process.env does not reach child processes.
 */
const SCRIPT = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const path = require('node:path');
const config = JSON.parse(fs.readFileSync(path.join(__dirname, 'config.json'), 'utf8'));
let stdin = '';
if (args[0] === 'login') stdin = fs.readFileSync(0, 'utf8');
fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify({ args, stdin }) + '\\n');
if (args[0] === 'buildx') {
  if (config.buildExit) {
    console.error('ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully');
    process.exit(config.buildExit);
  }
  const metadata = args[args.indexOf('--metadata-file') + 1];
  const digest = config.digest;
  fs.writeFileSync(metadata, JSON.stringify(digest ? { 'containerimage.digest': digest } : {}));
  console.log('#12 pushing layers done');
}
`;

export interface FakeDocker {
  readonly dir: string;
  /** Clears recorded calls and sets what the next builds do. */
  reset(config: { digest?: string; buildExit?: number }): void;
  calls(): { args: string[]; stdin: string }[];
}

/** Call at the top level of a test file; the executable is removed after the file's tests. */
export function installFakeDocker(): FakeDocker {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'docker');
  writeFileSync(bin, SCRIPT);
  chmodSync(bin, 0o755);
  const log = join(dir, 'calls.jsonl');
  return {
    dir,
    reset: (config) => {
      writeFileSync(log, '');
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    },
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}
