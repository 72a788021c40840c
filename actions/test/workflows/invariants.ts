import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isRecord,
  jobsOf,
  parseYaml,
  runScriptsOf,
  stepListsOf,
  stepName,
  stepsOf,
  type WorkflowFile,
  type Yaml,
} from './workflow-files';

/**
 * The repository's workflow rules as one checker that returns every violation it finds, so a test can
 * run it on the real workflows (expecting none) and on broken copies (expecting the right one).
 */

const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials';
const CHECKOUT = 'actions/checkout';
const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v\d+\.\d+\.\d+\s*$/;
const SAME_REPO_GUARDS = ["needs.trust.outputs.aws == 'true'", 'head.repo.full_name == github.repository'];

export interface InputSpec {
  readonly name: string;
  readonly required: boolean;
}

/** Inputs of a local action (`./actions/x`, `./.github/actions/x`) or reusable workflow, or undefined. */
export function localInputs(root: string, uses: string): InputSpec[] | undefined {
  const relativePath = uses.replace(/^\.\//, '');
  const isWorkflow = relativePath.endsWith('.yml') || relativePath.endsWith('.yaml');
  const file = isWorkflow ? join(root, relativePath) : join(root, relativePath, 'action.yml');
  if (!existsSync(file)) return undefined;
  const { doc } = parseYaml(relativePath, readFileSync(file, 'utf8'));
  const on = isRecord(doc.on) ? doc.on : {};
  const inputs = isWorkflow
    ? isRecord(on.workflow_call) && isRecord(on.workflow_call.inputs)
      ? on.workflow_call.inputs
      : {}
    : isRecord(doc.inputs)
      ? doc.inputs
      : {};
  return Object.entries(inputs).map(([name, spec]) => ({
    name,
    required: isRecord(spec) && spec.required === true && spec.default === undefined,
  }));
}

function usesOf(step: Yaml): string | undefined {
  return typeof step.uses === 'string' ? step.uses : undefined;
}

function isLocal(uses: string): boolean {
  return uses.startsWith('./');
}

function actionName(uses: string): string {
  return uses.split('@')[0] ?? uses;
}

function grantsIdToken(permissions: unknown): boolean {
  return isRecord(permissions) && permissions['id-token'] === 'write';
}

/** Whether a local reusable workflow has a job that assumes an AWS role. */
function calleeNeedsIdToken(root: string, uses: string): boolean {
  const file = join(root, uses.replace(/^\.\//, ''));
  if (!existsSync(file)) return false;
  const callee = parseYaml(uses, readFileSync(file, 'utf8'));
  return jobsOf(callee).some(([, job]) => grantsIdToken(job.permissions));
}

/** A JavaScript action whose bundle is missing would only fail on the runner; catch it here. */
function missingEntryPoints(root: string, uses: string): string[] {
  const directory = join(root, uses.replace(/^\.\//, ''));
  const file = join(directory, 'action.yml');
  if (!existsSync(file)) return [];
  const runs = parseYaml(uses, readFileSync(file, 'utf8')).doc.runs;
  if (!isRecord(runs) || !String(runs.using).startsWith('node')) return [];
  return [runs.main, runs.pre, runs.post]
    .filter((entry): entry is string => typeof entry === 'string')
    .filter((entry) => !existsSync(join(directory, entry)));
}

function checkWith(root: string, where: string, uses: string, given: unknown): string[] {
  const declared = localInputs(root, uses);
  if (declared === undefined) return [`${where}: ${uses} does not exist`];
  const missing = missingEntryPoints(root, uses);
  if (missing.length > 0)
    return [`${where}: ${uses} has no ${missing.join(', ')} (run npm run build -w actions)`];
  const givenNames = isRecord(given) ? Object.keys(given) : [];
  const declaredNames = new Set(declared.map((input) => input.name));
  return [
    ...givenNames
      .filter((name) => !declaredNames.has(name))
      .map((name) => `${where}: ${uses} has no input "${name}"`),
    ...declared
      .filter((input) => input.required && !givenNames.includes(input.name))
      .map((input) => `${where}: ${uses} requires input "${input.name}"`),
  ];
}

function checkPins(file: WorkflowFile): string[] {
  const problems: string[] = [];
  file.text.split('\n').forEach((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1(.*)$/.exec(line);
    const uses = match?.[2];
    if (uses === undefined || isLocal(uses) || uses.startsWith('docker://')) return;
    const at = `${file.path}:${index + 1}`;
    if (!PINNED.test(uses)) problems.push(`${at}: ${uses} is not pinned to a full 40-hex commit SHA`);
    else if (!VERSION_COMMENT.test(match?.[3] ?? ''))
      problems.push(`${at}: ${uses} lacks a "# vX.Y.Z" comment`);
  });
  return problems;
}

function checkSteps(root: string, file: WorkflowFile): string[] {
  const problems: string[] = [];
  const isComposite = isRecord(file.doc.runs);
  for (const { owner, steps } of stepListsOf(file)) {
    steps.forEach((step, index) => {
      const where = `${file.path} ${owner} ${stepName(step, index)}`;
      const uses = usesOf(step);
      if (uses !== undefined && isLocal(uses)) problems.push(...checkWith(root, where, uses, step.with));
      if (uses !== undefined && actionName(uses) === CHECKOUT) {
        const withs = isRecord(step.with) ? step.with : {};
        if (withs['persist-credentials'] !== false) {
          problems.push(`${where}: checkout must set persist-credentials: false`);
        }
      }
      if (isComposite && typeof step.run === 'string' && step.shell === undefined) {
        problems.push(`${where}: composite run steps need a shell`);
      }
    });
  }
  for (const { location, script } of runScriptsOf(file)) {
    if (script.includes('${{')) {
      problems.push(`${location}: run script contains a \${{ }} expression; pass the value through env:`);
    }
  }
  for (const path of new Set(file.text.match(/\.github\/scripts\/[\w.-]+/g) ?? [])) {
    if (!existsSync(join(root, path))) problems.push(`${file.path}: refers to ${path}, which does not exist`);
  }
  return problems;
}

function triggers(file: WorkflowFile): string[] {
  const on = file.doc.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return isRecord(on) ? Object.keys(on) : [];
}

function checkJobs(root: string, file: WorkflowFile): string[] {
  const problems: string[] = [];
  const onPullRequest = triggers(file).includes('pull_request');
  for (const [id, job] of jobsOf(file)) {
    const where = `${file.path} job ${id}`;
    const uses = typeof job.uses === 'string' ? job.uses : undefined;
    if (!isRecord(job.permissions)) problems.push(`${where}: needs its own permissions mapping`);
    if (uses === undefined && job['timeout-minutes'] === undefined)
      problems.push(`${where}: has no timeout-minutes`);

    const assumesRole = stepsOf(job).some((step) => actionName(usesOf(step) ?? '') === CONFIGURE_AWS);
    const needsIdToken =
      assumesRole || (uses !== undefined && isLocal(uses) && calleeNeedsIdToken(root, uses));
    const hasIdToken = grantsIdToken(job.permissions);
    if (needsIdToken && !hasIdToken) problems.push(`${where}: assumes an AWS role without id-token: write`);
    if (hasIdToken && !needsIdToken) problems.push(`${where}: has id-token: write but assumes no AWS role`);

    if (hasIdToken && onPullRequest) {
      const condition = typeof job.if === 'string' ? job.if : '';
      if (!SAME_REPO_GUARDS.some((guard) => condition.includes(guard))) {
        problems.push(
          `${where}: gets AWS credentials on pull_request without a same-repository (fork) guard`,
        );
      }
    }
    if (uses !== undefined && isLocal(uses)) problems.push(...checkWith(root, where, uses, job.with));
    if (job.secrets !== undefined) problems.push(`${where}: passes secrets to a reusable workflow`);
  }
  return problems;
}

function checkTopLevel(file: WorkflowFile): string[] {
  const problems: string[] = [];
  const permissions = file.doc.permissions;
  const readOnly =
    isRecord(permissions) &&
    Object.values(permissions).every((level) => level === 'read' || level === 'none');
  if (!readOnly) problems.push(`${file.path}: top-level permissions must be {} or read-only`);
  if (triggers(file).includes('pull_request_target')) {
    problems.push(`${file.path}: pull_request_target runs fork code with secrets; use pull_request`);
  }
  return problems;
}

/** Every rule violation in a workflow file; `root` resolves `uses: ./...`. */
export function checkWorkflow(root: string, file: WorkflowFile): string[] {
  const problems = [
    ...checkTopLevel(file),
    ...checkJobs(root, file),
    ...checkSteps(root, file),
    ...checkPins(file),
  ];
  if (file.text.includes('secrets.'))
    problems.push(`${file.path}: uses the secrets context; use OIDC or github.token`);
  return problems;
}

/** Every rule violation in a composite action. */
export function checkCompositeAction(root: string, file: WorkflowFile): string[] {
  const problems = [...checkSteps(root, file), ...checkPins(file)];
  if (file.text.includes('secrets.')) problems.push(`${file.path}: uses the secrets context`);
  return problems;
}
