import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';

/** Parses the runner's file-command format (`name<<delimiter\nvalue\ndelimiter\n`). */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^(.+?)<<(ghadelimiter_[^\n]+)\n([\s\S]*?)\n\2$/gm)) {
    values[match[1] ?? ''] = match[3] ?? '';
  }
  return values;
}

/** `::error::` lines written by core.setFailed / core.error, unescaped. */
export function errorsIn(log: string): string[] {
  return [...log.matchAll(/^::error::(.*)$/gm)].map((match) =>
    (match[1] ?? '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'),
  );
}

/**
 * Runs an action's `run()` in-process as the runner would: inputs as INPUT_* variables, outputs,
 * summary and state in files, stdout captured. Call `setUp` in beforeEach and `tearDown` in afterEach.
 */
export class ActionEnvironment {
  // core.summary remembers the summary file path from its first write, so the files stay put across tests.
  readonly dir = mkdtempSync(join(tmpdir(), 'action-test-'));
  private saved: NodeJS.ProcessEnv = {};
  private log = '';
  private writeSpy: jest.SpyInstance | undefined;

  setUp(): void {
    this.saved = { ...process.env };
    for (const key of Object.keys(process.env)) {
      if (
        key.startsWith('INPUT_') ||
        key.startsWith('STATE_') ||
        key.startsWith('AWS_') ||
        key.startsWith('GITHUB_')
      ) {
        delete process.env[key];
      }
    }
    for (const file of ['output', 'summary', 'state']) writeFileSync(join(this.dir, file), '');
    process.env.GITHUB_OUTPUT = join(this.dir, 'output');
    process.env.GITHUB_STEP_SUMMARY = join(this.dir, 'summary');
    process.env.GITHUB_STATE = join(this.dir, 'state');
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    core.summary.emptyBuffer();
    this.log = '';
    this.writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      this.log += chunk.toString();
      return true;
    });
  }

  tearDown(): void {
    this.writeSpy?.mockRestore();
    process.env = this.saved;
    // core.setFailed sets the exit code; the test process must not inherit it.
    process.exitCode = undefined;
  }

  constructor() {
    afterAll(() => rmSync(this.dir, { recursive: true, force: true }));
  }

  inputs(values: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(values)) process.env[`INPUT_${name.toUpperCase()}`] = value;
  }

  outputs(): Record<string, string> {
    return parseFileCommands(readFileSync(join(this.dir, 'output'), 'utf8'));
  }

  state(): Record<string, string> {
    return parseFileCommands(readFileSync(join(this.dir, 'state'), 'utf8'));
  }

  summary(): string {
    return readFileSync(join(this.dir, 'summary'), 'utf8');
  }

  stdout(): string {
    return this.log;
  }

  errors(): string[] {
    return errorsIn(this.log);
  }

  /** Writes a file in the test's temp directory and returns its path. */
  file(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }
}
