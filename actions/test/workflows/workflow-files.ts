import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const WORKFLOWS_DIR = join(REPO_ROOT, '.github', 'workflows');
export const COMPOSITE_ACTIONS_DIR = join(REPO_ROOT, '.github', 'actions');
export const SCRIPTS_DIR = join(REPO_ROOT, '.github', 'scripts');

/** YAML as parsed: workflows are checked structurally, so values stay `unknown` until narrowed. */
export type Yaml = Record<string, unknown>;

export interface WorkflowFile {
  /** Path relative to the repository root, for messages. */
  readonly path: string;
  readonly text: string;
  readonly doc: Yaml;
}

/** A `run:` script with where it came from. */
export interface RunScript {
  readonly location: string;
  readonly script: string;
}

export function isRecord(value: unknown): value is Yaml {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseYaml(path: string, text: string): WorkflowFile {
  const doc: unknown = parse(text);
  if (!isRecord(doc)) throw new Error(`${path} is not a YAML mapping`);
  return { path, text, doc };
}

function readYamlFile(absolutePath: string): WorkflowFile {
  return parseYaml(relative(REPO_ROOT, absolutePath), readFileSync(absolutePath, 'utf8'));
}

export function loadWorkflows(): WorkflowFile[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => readYamlFile(join(WORKFLOWS_DIR, name)));
}

export function loadCompositeActions(): WorkflowFile[] {
  return readdirSync(COMPOSITE_ACTIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => readYamlFile(join(COMPOSITE_ACTIONS_DIR, entry.name, 'action.yml')));
}

export function loadWorkflow(name: string): WorkflowFile {
  return readYamlFile(join(WORKFLOWS_DIR, name));
}

export function jobsOf(workflow: WorkflowFile): [string, Yaml][] {
  const jobs = workflow.doc.jobs;
  if (!isRecord(jobs)) return [];
  return Object.entries(jobs).map(([id, job]) => [id, isRecord(job) ? job : {}]);
}

export function stepsOf(container: Yaml): Yaml[] {
  const steps = container.steps;
  return Array.isArray(steps) ? steps.filter(isRecord) : [];
}

/** Every step list in a file: each job's steps in a workflow, `runs.steps` in a composite action. */
export function stepListsOf(file: WorkflowFile): { owner: string; steps: Yaml[] }[] {
  const runs = file.doc.runs;
  if (isRecord(runs)) return [{ owner: 'runs', steps: stepsOf(runs) }];
  return jobsOf(file).map(([id, job]) => ({ owner: `job ${id}`, steps: stepsOf(job) }));
}

export function stepName(step: Yaml, index: number): string {
  const label = step.name ?? step.id ?? step.uses ?? 'run';
  return `step ${index + 1} (${String(label)})`;
}

export function runScriptsOf(file: WorkflowFile): RunScript[] {
  return stepListsOf(file).flatMap(({ owner, steps }) =>
    steps.flatMap((step, index) =>
      typeof step.run === 'string'
        ? [{ location: `${file.path} ${owner} ${stepName(step, index)}`, script: step.run }]
        : [],
    ),
  );
}
