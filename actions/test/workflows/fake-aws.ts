import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in `aws` CLI for testing the workflow scripts: each `aws <service> <operation>` prints the
 * canned response the test set for it (already shaped by the script's --query, like the real CLI) or
 * fails like the CLI does, and every call's arguments are recorded.
 */
const FAKE = `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"\${FAKE_AWS_DIR}/calls"
key="\${FAKE_AWS_DIR}/$1-$2"
if [ -f "\${key}.exit" ]; then
  echo "An error occurred (FakeError) when calling $2" >&2
  exit "$(cat "\${key}.exit")"
fi
if [ ! -f "\${key}.out" ]; then
  echo "fake aws: no response for $1 $2" >&2
  exit 99
fi
cat "\${key}.out"
`;

export interface FakeAws {
  respond(service: string, operation: string, output: string): void;
  fail(service: string, operation: string, exitCode?: number): void;
  calls(): string[];
  /** Runs a bash script with the fake first on PATH; returns exit code, stdout and $GITHUB_OUTPUT. */
  run(
    script: string,
    args: string[],
    env: Record<string, string>,
  ): { status: number | null; stdout: string; outputs: string; summary: string };
  cleanup(): void;
}

export function fakeAws(): FakeAws {
  const dir = mkdtempSync(join(tmpdir(), 'fake-aws-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'aws'), FAKE);
  chmodSync(join(bin, 'aws'), 0o755);
  return {
    respond: (service, operation, output) => writeFileSync(join(dir, `${service}-${operation}.out`), output),
    fail: (service, operation, exitCode = 254) =>
      writeFileSync(join(dir, `${service}-${operation}.exit`), String(exitCode)),
    calls: () => {
      const file = join(dir, 'calls');
      return existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
        : [];
    },
    run(script, args, env) {
      const outputFile = join(dir, 'github-output');
      const summaryFile = join(dir, 'step-summary');
      writeFileSync(outputFile, '');
      writeFileSync(summaryFile, '');
      const result = spawnSync('bash', [script, ...args], {
        encoding: 'utf8',
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          FAKE_AWS_DIR: dir,
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          ...env,
        },
      });
      return {
        status: result.status,
        stdout: result.stdout,
        outputs: readFileSync(outputFile, 'utf8'),
        summary: readFileSync(summaryFile, 'utf8'),
      };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
