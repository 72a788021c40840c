// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not JS templates
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COMPOSITE_ACTIONS_DIR,
  isRecord,
  jobsOf,
  loadWorkflow,
  parseYaml,
  REPO_ROOT,
  stepsOf,
  type WorkflowFile,
  type Yaml,
} from './workflow-files';

function job(file: WorkflowFile, id: string): Yaml {
  const found = jobsOf(file).find(([jobId]) => jobId === id);
  if (!found) throw new Error(`${file.path} has no job ${id}`);
  return found[1];
}

function mapping(value: unknown): Yaml {
  if (!isRecord(value)) throw new Error(`expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

function scripts(container: Yaml): string {
  return stepsOf(container)
    .flatMap((step) => (typeof step.run === 'string' ? [step.run] : []))
    .join('\n');
}

function usesIn(container: Yaml): string[] {
  return stepsOf(container).map((step) =>
    typeof step.uses === 'string' ? (step.uses.split('@')[0] ?? '') : '',
  );
}

const withOf = (step: Yaml): Yaml => (isRecord(step.with) ? step.with : {});

describe('ci.yml', () => {
  const ci = loadWorkflow('ci.yml');

  it('installs, lints, type-checks, tests, synthesizes, lints workflows and checks dist freshness', () => {
    const all = jobsOf(ci)
      .map(([, j]) => scripts(j))
      .join('\n');
    for (const command of [
      'npm ci',
      'npx biome check .',
      'npx tsc -b',
      'bash .ci/run',
      'npx cdk synth --quiet',
      '-c pr=1',
      'npx jest --ci actions/test/workflows',
      'npm run build -w actions',
      'git diff --exit-code',
      'npx cdk diff --no-color',
    ]) {
      expect(all).toContain(command);
    }
  });

  it('posts cdk diff only for same-repository pull requests that touch infra/', () => {
    const diff = job(ci, 'infra-diff');
    expect(diff.if).toBe(
      "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository " +
        "&& github.actor != 'dependabot[bot]'",
    );
    const awsStep = stepsOf(diff).find((step) => String(step.uses).startsWith('aws-actions/'));
    expect(awsStep?.if).toBe("steps.changed.outputs.infra == 'true'");
    expect(usesIn(diff)).toContain('actions/github-script');
  });

  it('cancels superseded pull request runs but not runs on main', () => {
    expect(mapping(ci.doc.concurrency)['cancel-in-progress']).toBe(
      "${{ github.event_name == 'pull_request' }}",
    );
  });
});

describe('preview.yml', () => {
  const preview = loadWorkflow('preview.yml');

  describe('trust job', () => {
    const trust = job(preview, 'trust');
    const step = mapping(stepsOf(trust)[0]);
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'trust-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    // Runs the step's own script the way the runner does, with the env the workflow maps in.
    function decide(event: { headRepo: string; fork: boolean; actor: string }) {
      const output = join(dir, 'output');
      const summary = join(dir, 'summary');
      writeFileSync(output, '');
      writeFileSync(summary, '');
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', String(step.run)], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: summary,
          HEAD_REPO: event.headRepo,
          IS_FORK: String(event.fork),
          BASE_REPO: 'acme/ragchat',
          ACTOR: event.actor,
        },
      });
      return {
        status: result.status,
        stdout: result.stdout,
        output: readFileSync(output, 'utf8'),
        summary: readFileSync(summary, 'utf8'),
      };
    }

    it.each([
      [
        'a fork',
        { headRepo: 'mallory/ragchat', fork: true, actor: 'mallory' },
        'comes from a fork (`mallory/ragchat`)',
      ],
      ['a renamed fork', { headRepo: 'acme/ragchat', fork: true, actor: 'mallory' }, 'comes from a fork'],
      [
        'Dependabot',
        { headRepo: 'acme/ragchat', fork: false, actor: 'dependabot[bot]' },
        'started by Dependabot',
      ],
    ])('keeps %s away from AWS and says why in the summary', (_who, event, why) => {
      const result = decide(event);
      expect(result.status).toBe(0);
      expect(result.output).toBe('aws=false\n');
      expect(result.stdout).toMatch(/^::notice title=Preview skipped::/);
      expect(result.summary).toContain('### Preview skipped');
      expect(result.summary).toContain(why);
    });
  });
});

describe('build-images.yml', () => {
  const images = job(loadWorkflow('build-images.yml'), 'images');
  const builds = stepsOf(images).filter((step) => step.uses === './actions/build-push-image');

  it('builds each service from its own Dockerfile in the repository root context', () => {
    expect(
      builds.map((step) => [withOf(step).repository, withOf(step).dockerfile, withOf(step).context]),
    ).toEqual([
      [
        "${{ github.event_name == 'pull_request' && 'ragchat-pr/backend' || 'ragchat/backend' }}",
        'backend/Dockerfile',
        '.',
      ],
      [
        "${{ github.event_name == 'pull_request' && 'ragchat-pr/frontend' || 'ragchat/frontend' }}",
        'frontend/Dockerfile',
        '.',
      ],
    ]);
    for (const step of builds)
      expect(existsSync(join(REPO_ROOT, String(withOf(step).dockerfile)))).toBe(true);
  });
});

describe('timeouts leave CodeDeploy the time the deployment groups need', () => {
  // infra's delivery settings per environment; a timeout that fires mid-deployment rolls it back.
  const config = readFileSync(join(REPO_ROOT, 'infra', 'src', 'config', 'environments.ts'), 'utf8');
  const longest = (key: string) =>
    Math.max(...[...config.matchAll(new RegExp(`${key}: (\\d+)`, 'g'))].map((m) => Number(m[1])));
  const CANARY_MINUTES = 5;
  const action = parseYaml(
    '.github/actions/deploy-service/action.yml',
    readFileSync(join(COMPOSITE_ACTIONS_DIR, 'deploy-service', 'action.yml'), 'utf8'),
  );
  const stepTimeout = Number(mapping(mapping(action.doc.inputs)['timeout-minutes']).default);

  it('finds the delivery settings it checks against', () => {
    expect(longest('terminationWaitMinutes')).toBeGreaterThan(0);
    expect(longest('readyWaitMinutes')).toBeGreaterThan(0);
  });

  it('each CodeDeploy wait outlasts the longest canary plus termination wait', () => {
    expect(stepTimeout).toBeGreaterThan(longest('terminationWaitMinutes') + CANARY_MINUTES);
  });

  it('jobs outlast their deployments: two services per environment deploy, one per rollback job', () => {
    const perService = longest('terminationWaitMinutes') + CANARY_MINUTES + 15;
    const deployJob = job(loadWorkflow('deploy-environment.yml'), 'deploy');
    expect(Number(deployJob['timeout-minutes'])).toBeGreaterThanOrEqual(2 * perService + 30);
    const rollbackJob = job(loadWorkflow('rollback.yml'), 'rollback');
    expect(Number(rollbackJob['timeout-minutes'])).toBeGreaterThanOrEqual(perService + 30);
  });
});

describe('rollback.yml: redeploy decision', () => {
  const main = job(loadWorkflow('rollback.yml'), 'rollback');
  const plan = mapping(stepsOf(main).find((step) => step.id === 'plan'));
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const decide = (kind: string, stopped: string) => {
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const result = spawnSync('bash', ['-eo', 'pipefail', '-c', String(plan.run)], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        GITHUB_OUTPUT: output,
        KIND: kind,
        STOPPED: stopped,
        SERVICE: 'backend',
      },
    });
    return { status: result.status, output: readFileSync(output, 'utf8') };
  };

  it.each([
    ['previous', ''],
    ['commit', 'd-ABCDEF123'],
    ['task-definition', ''],
  ])('redeploys for target kind %s (stopped: %j)', (kind, stopped) => {
    expect(decide(kind, stopped)).toEqual({ status: 0, output: 'redeploy=true\n' });
  });
});
