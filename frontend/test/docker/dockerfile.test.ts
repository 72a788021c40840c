import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Docker cannot run here, so the image's key properties are checked on the Dockerfile text:
 * multi-stage on Node 22+ slim, production dependencies only, non-root, a health check, and an
 * ignore file that sends exactly what the build copies.
 */
const FRONTEND = path.resolve(__dirname, '../..');
const dockerfile = readFileSync(path.join(FRONTEND, 'Dockerfile'), 'utf8');
const ignoreRules = readFileSync(path.join(FRONTEND, 'Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions with line continuations joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Instructions grouped by build stage, keyed by the stage's `AS` name. */
function stages(all: readonly Instruction[]): Map<string, Instruction[]> {
  const byStage = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      current = [];
      byStage.set(/\bAS\s+(\S+)/i.exec(instruction.args)?.[1] ?? `stage-${byStage.size}`, current);
    }
    current?.push(instruction);
  }
  return byStage;
}

const all = instructions(dockerfile);
const byStage = stages(all);
const runtime = [...byStage.values()].at(-1) ?? [];

describe('frontend/Dockerfile', () => {
  test('is multi-stage on a Node 22+ slim image', () => {
    const nodeImage = /^ARG NODE_IMAGE=node:(\d+)[\w.-]*-slim$/m.exec(dockerfile);

    expect(nodeImage).not.toBeNull();
    expect(Number(nodeImage?.[1])).toBeGreaterThanOrEqual(22);
    expect([...byStage.keys()]).toEqual(['build', 'prod-deps', 'runtime']);
    for (const from of all.filter((instruction) => instruction.keyword === 'FROM')) {
      expect(from.args).toMatch(/^\$\{NODE_IMAGE\} AS /);
    }
  });

  test('installs with the shared workspace lockfile, production dependencies only in the image', () => {
    const installs = all.filter(
      (instruction) => instruction.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(instruction.args),
    );
    const prodInstall = byStage.get('prod-deps')?.find((instruction) => instruction.args.includes('npm ci'));

    expect(installs).toHaveLength(2);
    expect(installs.every((instruction) => /npm ci --workspace frontend\b/.test(instruction.args))).toBe(
      true,
    );
    expect(installs.some((instruction) => instruction.args.includes('npm install'))).toBe(false);
    expect(prodInstall?.args).toContain('--omit=dev');
    expect(dockerfile).toMatch(/^COPY package\.json package-lock\.json/m);
    const runtimeCopies = runtime.filter((instruction) => instruction.keyword === 'COPY');
    expect(runtimeCopies.map((copy) => copy.args)).toContain(
      '--from=prod-deps /app/node_modules ./node_modules',
    );
    expect(runtimeCopies.some((copy) => copy.args.startsWith('--from=build /app/node_modules'))).toBe(false);
    expect(runtimeCopies.some((copy) => /frontend\/(src|test)\b/.test(copy.args))).toBe(false);
  });

  test('runs as a non-root user with a health check on /health', () => {
    const user = runtime.filter((instruction) => instruction.keyword === 'USER').at(-1);
    const healthcheck = runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK');
    const command = runtime.find((instruction) => instruction.keyword === 'CMD');

    expect(user?.args).toBeDefined();
    expect(user?.args).not.toMatch(/^(root|0)(:|$)/);
    expect(healthcheck?.args).toMatch(/^--interval=\d+s --timeout=\d+s .*CMD \[/);
    expect(healthcheck?.args).toContain("'/health'");
    expect(command?.args).toBe('["node", "frontend/dist/server/main.js"]');
    expect(runtime.find((instruction) => instruction.keyword === 'EXPOSE')?.args).toBe('3000');
    expect(all.some((instruction) => instruction.keyword === 'ADD')).toBe(false);
  });

  test('the ignore file admits everything the build copies from the context, and no tests', () => {
    expect(ignoreRules[0]).toBe('**');
    const admitted = ignoreRules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1));
    const contextSources = all
      .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.startsWith('--from'))
      .flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));

    for (const source of contextSources) {
      const allowed = admitted.some((rule) => rule === source || rule === `${source}/**`);
      expect({ source, allowed }).toEqual({ source, allowed: true });
    }
    expect(admitted.some((rule) => rule.startsWith('frontend/test'))).toBe(false);
    expect(ignoreRules).toEqual(expect.arrayContaining(['**/.env', '**/.data']));
  });
});
