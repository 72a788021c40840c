// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not JS templates
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCompositeAction, checkWorkflow } from './invariants';
import {
  loadCompositeActions,
  loadWorkflow,
  loadWorkflows,
  parseYaml,
  REPO_ROOT,
  type WorkflowFile,
} from './workflow-files';

const workflows = loadWorkflows();
const compositeActions = loadCompositeActions();

/** A copy of a real workflow with one edit; throws when the edit no longer applies. */
function broken(name: string, from: string | RegExp, to: string): WorkflowFile {
  const original = loadWorkflow(name);
  const text = original.text.replace(from, to);
  if (text === original.text) throw new Error(`fixture edit ${String(from)} does not apply to ${name}`);
  return parseYaml(original.path, text);
}

describe('every workflow and composite action', () => {
  it('finds the files it checks', () => {
    expect(workflows.map((file) => file.path)).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/preview.yml',
        '.github/workflows/deploy.yml',
        '.github/workflows/rollback.yml',
      ]),
    );
    expect(compositeActions.length).toBeGreaterThan(0);
  });

  it.each(workflows.map((file) => [file.path, file] as const))('%s follows the rules', (_path, file) => {
    expect(checkWorkflow(REPO_ROOT, file)).toEqual([]);
  });

  it.each(compositeActions.map((file) => [file.path, file] as const))(
    '%s follows the rules',
    (_path, file) => {
      expect(checkCompositeAction(REPO_ROOT, file)).toEqual([]);
    },
  );

  it('pins each third-party action to one commit and one version everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const file of [...workflows, ...compositeActions]) {
      for (const [, action = '', sha, version] of file.text.matchAll(
        /uses:\s*([^\s@]+)@([0-9a-f]{40})\s*#\s*(\S+)/g,
      )) {
        pins.set(action, (pins.get(action) ?? new Set<string>()).add(`${sha} ${version}`));
      }
    }
    expect([...pins.keys()].sort()).toEqual([
      'actions/checkout',
      'actions/github-script',
      'actions/setup-node',
      'aws-actions/configure-aws-credentials',
      'docker/setup-buildx-action',
    ]);
    expect([...pins].filter(([, versions]) => versions.size !== 1)).toEqual([]);
  });
});

describe('the checker catches', () => {
  const check = (file: WorkflowFile) => checkWorkflow(REPO_ROOT, file);

  it('a job without timeout-minutes', () => {
    expect(check(broken('deploy-environment.yml', /^ {4}timeout-minutes: 300\n/m, ''))).toEqual([
      '.github/workflows/deploy-environment.yml job deploy: has no timeout-minutes',
    ]);
  });

  it('write-all or missing top-level permissions', () => {
    expect(check(broken('ci.yml', /^permissions: \{\}$/m, 'permissions: write-all'))).toContain(
      '.github/workflows/ci.yml: top-level permissions must be {} or read-only',
    );
    expect(check(broken('ci.yml', /^permissions: \{\}$/m, ''))).toContain(
      '.github/workflows/ci.yml: top-level permissions must be {} or read-only',
    );
  });

  it('a job without its own permissions', () => {
    expect(
      check(broken('ci.yml', /( {2}synth:\n(?:.*\n)*?) {4}permissions:\n {6}contents: read\n/, '$1')),
    ).toEqual(['.github/workflows/ci.yml job synth: needs its own permissions mapping']);
  });

  it('id-token: write on a job that assumes no role, and a role assumed without it', () => {
    const extra = broken('ci.yml', /( {2}synth:\n(?:.*\n)*? {4}permissions:\n)/, '$1      id-token: write\n');
    expect(check(extra)).toEqual([
      '.github/workflows/ci.yml job synth: has id-token: write but assumes no AWS role',
      '.github/workflows/ci.yml job synth: gets AWS credentials on pull_request without a same-repository (fork) guard',
    ]);
    const missing = broken('rollback.yml', /( {2}rollback:\n(?:.*\n)*?) {6}id-token: write\n/, '$1');
    expect(check(missing)).toEqual([
      '.github/workflows/rollback.yml job rollback: assumes an AWS role without id-token: write',
    ]);
  });

  it('a reusable workflow call that does not pass id-token to a callee that needs it', () => {
    const file = broken('deploy.yml', /( {2}images:\n(?:.*\n)*?) {6}id-token: write\n/, '$1');
    expect(check(file)).toEqual([
      '.github/workflows/deploy.yml job images: assumes an AWS role without id-token: write',
    ]);
  });

  it('AWS credentials on pull_request without the fork guard', () => {
    const file = broken(
      'preview.yml',
      "if: needs.trust.outputs.aws == 'true' && github.event.action != 'closed'",
      'if: true',
    );
    expect(check(file)).toEqual([
      '.github/workflows/preview.yml job images: gets AWS credentials on pull_request without a same-repository (fork) guard',
    ]);
  });

  it('a third-party action pinned by tag, or pinned without its version comment', () => {
    const byTag = broken('ci.yml', /actions\/checkout@[0-9a-f]{40} # v7\.0\.1/, 'actions/checkout@v7');
    expect(check(byTag)).toEqual([
      expect.stringMatching(/^\.github\/workflows\/ci\.yml:\d+: actions\/checkout@v7 is not pinned/),
    ]);
    const noComment = broken('ci.yml', /(actions\/checkout@[0-9a-f]{40}) # v7\.0\.1/, '$1');
    expect(check(noComment)).toEqual([expect.stringMatching(/lacks a "# vX\.Y\.Z" comment$/)]);
  });

  it('an expression interpolated into a run script', () => {
    const file = broken(
      'preview.yml',
      'bash .github/scripts/smoke-test.sh "${test_url}"',
      'bash .github/scripts/smoke-test.sh "${{ steps.url.outputs.preview-url }}"',
    );
    expect(check(file)).toEqual([
      '.github/workflows/preview.yml job deploy step 8 (Smoke test): run script contains a ${{ }} expression; pass the value through env:',
    ]);
  });

  it('unknown, missing and nonexistent local action inputs', () => {
    const unknown = broken(
      'rollback.yml',
      'mode: find-previous\n',
      'mode: find-previous\n          colour: blue\n',
    );
    expect(check(unknown)).toEqual([
      '.github/workflows/rollback.yml job rollback step 6 (Find the previous successful deployment): ./actions/codedeploy-deploy has no input "colour"',
    ]);
    const missing = broken(
      'build-images.yml',
      /( {2}- name: Scan gate \(backend\)\n(?:.*\n)*?) {10}image-uri: .*\n/,
      '$1',
    );
    expect(check(missing)).toEqual([
      expect.stringMatching(
        /Scan gate \(backend\)\): \.\/actions\/wait-for-ecr-scan requires input "image-uri"$/,
      ),
    ]);
    const absent = broken(
      'rollback.yml',
      'uses: ./.github/actions/deploy-service',
      'uses: ./.github/actions/ship-it',
    );
    expect(check(absent)).toEqual([expect.stringMatching(/\.\/\.github\/actions\/ship-it does not exist$/)]);
  });

  it('reusable workflow inputs too', () => {
    const file = broken('deploy.yml', /( {2}prod:\n(?:.*\n)*?) {6}frontend-image: .*\n/, '$1');
    expect(check(file)).toEqual([
      '.github/workflows/deploy.yml job prod: ./.github/workflows/deploy-environment.yml requires input "frontend-image"',
    ]);
  });

  it('a local JavaScript action whose bundle was never built', () => {
    const root = mkdtempSync(join(tmpdir(), 'workflow-root-'));
    try {
      mkdirSync(join(root, 'actions', 'greet'), { recursive: true });
      writeFileSync(
        join(root, 'actions', 'greet', 'action.yml'),
        'name: greet\ninputs:\n  who:\n    required: true\nruns:\n  using: node24\n  main: dist/index.js\n',
      );
      const workflow = parseYaml(
        'greet.yml',
        [
          'on: push',
          'permissions: {}',
          'jobs:',
          '  greet:',
          '    runs-on: ubuntu-latest',
          '    timeout-minutes: 5',
          '    permissions: {}',
          '    steps:',
          '      - uses: ./actions/greet',
          '        with:',
          '          who: world',
          '',
        ].join('\n'),
      );
      expect(checkWorkflow(root, workflow)).toEqual([
        'greet.yml job greet step 1 (./actions/greet): ./actions/greet has no dist/index.js (run npm run build -w actions)',
      ]);
      mkdirSync(join(root, 'actions', 'greet', 'dist'));
      writeFileSync(join(root, 'actions', 'greet', 'dist', 'index.js'), '');
      expect(checkWorkflow(root, workflow)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a script that does not exist', () => {
    const file = broken('preview.yml', 'delete-pr-images.sh', 'delete-preview-images.sh');
    expect(check(file)).toEqual([
      '.github/workflows/preview.yml: refers to .github/scripts/delete-preview-images.sh, which does not exist',
    ]);
  });

  it('checkout that keeps the token in .git/config', () => {
    const file = broken('ci.yml', /persist-credentials: false/, 'persist-credentials: true');
    expect(check(file)).toEqual([
      expect.stringMatching(/ci\.yml job lint step 1 .*persist-credentials: false$/),
    ]);
  });

  it('the secrets context and pull_request_target', () => {
    expect(check(broken('deploy-environment.yml', /github\.token/g, 'secrets.GITHUB_TOKEN'))).toEqual([
      '.github/workflows/deploy-environment.yml: uses the secrets context; use OIDC or github.token',
    ]);
    expect(check(broken('preview.yml', /^ {2}pull_request:$/m, '  pull_request_target:'))).toContain(
      '.github/workflows/preview.yml: pull_request_target runs fork code with secrets; use pull_request',
    );
  });
});
