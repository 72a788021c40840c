import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The image cannot be built here (no Docker engine), so its key properties are checked on the
 * Dockerfile text: multi-stage, Node 22+, production dependencies only, non-root, health check.
 */
const backendDir = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(backendDir, 'Dockerfile'), 'utf8');
const ignoreFile = readFileSync(join(backendDir, 'Dockerfile.dockerignore'), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly name: string;
  readonly image: string;
  readonly instructions: Instruction[];
}

/** Joins continuation lines, drops comments, and splits the file into stages. */
function parse(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = instruction.args.split('=');
      args.set(name, value);
    } else if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ image: match?.[1] ?? '', name: match?.[2] ?? String(stages.length), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

const { args, stages } = parse(dockerfile);
const finalStage = stages.at(-1)!;
const resolveImage = (image: string) =>
  image.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
const all = (stage: Stage, keyword: string) =>
  stage.instructions
    .filter((instruction) => instruction.keyword === keyword)
    .map((instruction) => instruction.args);

describe('backend/Dockerfile', () => {
  it('is multi-stage and every stage runs a pinned Node 22+ slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const image = resolveImage(stage.image);
      const match = /^node:(\d+)\.(\d+)\.(\d+)-\w+-slim(@sha256:[0-9a-f]{64})?$/.exec(image);
      expect(match).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThanOrEqual(22);
    }
  });

  it('runs as a non-root user in the final stage', () => {
    const users = all(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const lastUserIndex = finalStage.instructions.findLastIndex(
      (instruction) => instruction.keyword === 'USER',
    );
    const afterUser = finalStage.instructions
      .slice(lastUserIndex + 1)
      .map((instruction) => instruction.keyword);
    expect(afterUser).not.toContain('RUN');
  });

  it('has a HEALTHCHECK that calls /health without needing curl', () => {
    const [healthcheck] = all(finalStage, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \["node"/);
    expect(healthcheck).toContain('/health');
  });

  it('ships production dependencies only', () => {
    const copies = all(finalStage, 'COPY');
    const nodeModulesCopy = copies.find((copy) => copy.includes('node_modules'));
    const source = /--from=(\S+)/.exec(nodeModulesCopy ?? '')?.[1];
    const depsStage = stages.find((stage) => stage.name === source);
    expect(depsStage).toBeDefined();
    const installs = all(depsStage!, 'RUN').filter((run) => /\bnpm (ci|install)\b/.test(run));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toContain('--omit=dev');
    expect(all(finalStage, 'RUN').join(' ')).not.toMatch(/\bnpm (ci|install)\b/);
    expect(copies.some((copy) => copy.includes('--from=build') && copy.includes('backend/dist'))).toBe(true);
    expect(copies.some((copy) => /(^|\s)backend\/src/.test(copy))).toBe(false);
  });

  it('starts the compiled service in production mode', () => {
    expect(all(finalStage, 'CMD').at(-1)).toBe('["node", "backend/dist/main.js"]');
    expect(all(finalStage, 'ENV').join(' ')).toContain('NODE_ENV=production');
    expect(all(finalStage, 'EXPOSE')).toEqual(['8000']);
  });

  it('keeps local data, secrets and dependencies out of the build context', () => {
    const rules = ignoreFile.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(rules[0]).toBe('**');
    expect(rules).toEqual(expect.arrayContaining(['**/.env', '**/.data']));
    expect(rules.filter((rule) => rule.startsWith('!')).some((rule) => rule.includes('node_modules'))).toBe(
      false,
    );
  });
});
