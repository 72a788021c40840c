import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { FRONTEND_DIR } from '../support/paths';

/** The compiled entry point (built by the jest global setup), run as the container runs it. */
const MAIN = path.join(FRONTEND_DIR, 'dist/server/main.js');

function runMain(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    status: result.status,
    lines: result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
  };
}

describe('dist/server/main.js', () => {
  test('stops with exit code 2 and a log line naming the bad variable', () => {
    const { status, lines } = runMain({ FRONTEND_PORT: 'eighty' });

    expect(status).toBe(2);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'invalid configuration',
        variable: 'FRONTEND_PORT',
        err: expect.objectContaining({ message: 'FRONTEND_PORT must be a whole number, got "eighty"' }),
      }),
    ]);
  });

  test('never starts listening with an invalid base path', () => {
    const { status, lines } = runMain({ BASE_PATH: 'no-leading-slash', FRONTEND_PORT: '0' });

    expect(status).toBe(2);
    expect(lines.map((line) => line.msg)).toEqual(['invalid configuration']);
    expect(lines[0].variable).toBe('BASE_PATH');
    expect(lines[0].err.message).toMatch(/^BASE_PATH must be /);
  });
});
