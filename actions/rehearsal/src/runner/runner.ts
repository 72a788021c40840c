import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VirtualClock } from '../clock/clock';
import type { Model } from '../model/model';
import { githubActions } from '../vendor/load';
import { Concurrency } from './concurrency';
import {
  asString,
  type Contexts,
  entries,
  evaluateExpression,
  evaluateToken,
  find,
  type StatusState,
  truthy,
} from './expressions';
import type { TriggerEvent } from './github-context';
import { Job, type JobResult } from './job';
import { refusedDispatch, startsOn } from './triggers';
import { trackedFiles } from './workspace';

type Token = Parameters<typeof evaluateToken>[0];

export interface EnvironmentSettings {
  /** Deployment branches allowed to use the environment (GitHub's "selected branches"). */
  readonly branches?: readonly string[];
  /** Required reviewers: the scenario's approve() decides. */
  readonly reviewers?: boolean;
}

export interface RunnerOptions {
  readonly repoRoot: string;
  readonly repository: string;
  readonly model: Model;
  readonly clock: VirtualClock;
  readonly stateDir: string;
  readonly log: (line: string) => void;
  readonly vars: Readonly<Record<string, string>>;
  readonly environments: Readonly<Record<string, EnvironmentSettings>>;
  /** The command line that runs the real aws CLI (AwsCliServer.command). */
  readonly awsCli: string;
  /** Files of the checkout replaced by the scenario (path relative to the repository → content). */
  overrides?: Record<string, string>;
  approve?: (environment: string, job: string) => boolean;
  /** Called with every log line of every job; scenarios use it to cancel at a chosen moment. */
  onLine?: ((job: Job, line: string) => void) | undefined;
}

export interface RunResult {
  readonly workflow: string;
  readonly conclusion: 'success' | 'failure' | 'cancelled';
  readonly jobs: JobResult[];
}

export type Permissions = Record<string, 'read' | 'write' | 'none'>;

const ALL_SCOPES = [
  'actions',
  'checks',
  'contents',
  'deployments',
  'id-token',
  'issues',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
  'attestations',
  'discussions',
];

/** `permissions:` as GitHub reads it: read-all / write-all / a mapping; unlisted scopes are none. */
export function parsePermissions(value: unknown): Permissions | undefined {
  if (value === undefined) return undefined;
  if (value === 'read-all' || value === 'write-all') {
    return Object.fromEntries(
      ALL_SCOPES.map((scope) => [
        scope,
        value === 'read-all' ? (scope === 'id-token' ? 'none' : 'read') : 'write',
      ]),
    );
  }
  const permissions: Permissions = Object.fromEntries(ALL_SCOPES.map((scope) => [scope, 'none' as const]));
  for (const [scope, level] of Object.entries((value ?? {}) as Record<string, string>)) {
    permissions[scope] = level as 'read' | 'write' | 'none';
  }
  return permissions;
}

const RANK = { none: 0, read: 1, write: 2 } as const;
export function intersect(a: Permissions, b: Permissions | undefined): Permissions {
  if (!b) return a;
  return Object.fromEntries(
    Object.entries(a).map(([scope, level]) => [
      scope,
      RANK[level] <= RANK[b[scope] ?? 'none'] ? level : (b[scope] ?? 'none'),
    ]),
  );
}

export interface ParsedWorkflow {
  readonly path: string;
  readonly root: Token;
  readonly template: Awaited<ReturnType<ReturnType<typeof githubActions>['convertWorkflowTemplate']>>;
}

/** Runs workflows of the repository against the model, job by job. */
export class Runner {
  private runNumber = 0;
  private arrivals: Promise<unknown> = Promise.resolve();
  readonly concurrency = new Concurrency();
  readonly files: string[];
  readonly runs: RunResult[] = [];

  constructor(readonly options: RunnerOptions) {
    this.files = trackedFiles(options.repoRoot);
    mkdirSync(options.stateDir, { recursive: true });
  }

  /** Replaces a file of every later checkout (a scenario's change to the repository). */
  setOverride(path: string, content: string): void {
    this.options.overrides = { ...this.options.overrides, [path]: content };
  }

  readFile(path: string): string {
    const override = this.options.overrides?.[path];
    return override ?? readFileSync(join(this.options.repoRoot, path), 'utf8');
  }

  /** Parses a workflow with GitHub's parser; any parse or conversion error fails the rehearsal. */
  async parse(path: string): Promise<ParsedWorkflow> {
    const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = githubActions();
    const parsed = parseWorkflow({ name: path, content: this.readFile(path) }, new NoOperationTraceWriter());
    const errors = parsed.context.errors.getErrors();
    if (errors.length > 0 || !parsed.value) {
      throw new Error(`${path}: ${errors.map((e: { message: string }) => e.message).join('; ')}`);
    }
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    if (template.errors?.length)
      throw new Error(`${path}: ${template.errors.map((e) => e.Message).join('; ')}`);
    return { path, root: parsed.value as Token, template };
  }

  /** The workflows of `.github/workflows` that GitHub starts for the event. */
  async startedBy(event: TriggerEvent): Promise<string[]> {
    const paths = this.files.filter((file) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file)).sort();
    const started: string[] = [];
    for (const path of paths)
      if (startsOn((await this.parse(path)).template.events, event)) started.push(path);
    return started;
  }

  /** Runs one workflow for one event, as a new workflow run; resolves when every job has ended. */
  async run(path: string, event: TriggerEvent, inputs: Record<string, string> = {}): Promise<RunResult> {
    // GitHub creates runs in the order of their events: the run number and the arrival at a
    // workflow-level concurrency group follow the trigger order, however long a parse takes.
    this.runNumber += 1;
    const number = this.runNumber;
    const parsed = this.arrivals.then(() => this.parse(path));
    this.arrivals = parsed.catch(() => undefined);
    const workflow = await parsed;
    if (!startsOn(workflow.template.events, event))
      throw new Error(
        `GitHub would not start ${path} for this ${event.name} event: its triggers do not match`,
      );
    const refused = event.name === 'workflow_dispatch' && refusedDispatch(workflow.template.events, inputs);
    if (refused) throw new Error(`GitHub refuses to dispatch ${path}: ${refused}`);
    const run = new WorkflowRun(this, workflow, event, 100_000 + number, number, inputs);
    const name =
      asString(evaluateToken(find(workflow.root, 'name'), {}, { failed: false, cancelled: false })) || path;
    this.options.log(`workflow ${name} #${run.number} (${event.name} ${event.ref} ${event.sha.slice(0, 7)})`);
    const concurrency = find(workflow.root, 'concurrency');
    let release: (() => void) | undefined;
    if (concurrency) {
      const { group, cancelInProgress } = run.concurrencyOf(
        concurrency,
        run.contexts({}),
        `workflow ${path}`,
      );
      release = await this.concurrency.acquire(group, cancelInProgress, () => run.cancel(), this.options.log);
      if (!release) {
        const result: RunResult = { workflow: path, conclusion: 'cancelled', jobs: [] };
        this.runs.push(result);
        return result;
      }
    }
    try {
      const { results } = await run.runJobs(workflow, {});
      const jobs = [...results.values()].flat();
      const conclusion = jobs.some((j) => j.result === 'failure')
        ? 'failure'
        : run.cancelled || jobs.some((j) => j.result === 'cancelled')
          ? 'cancelled'
          : 'success';
      this.options.log(`workflow ${name} #${run.number}: ${conclusion}`);
      const result: RunResult = { workflow: path, conclusion, jobs };
      this.runs.push(result);
      return result;
    } finally {
      release?.();
    }
  }
}

interface CallContext {
  readonly inputs?: Record<string, unknown>;
  readonly ceiling?: Permissions;
  readonly prefix?: string;
  readonly callerRoot?: Token;
}

/** One workflow run: its jobs, the reusable workflows they call, and cancellation. */
export class WorkflowRun {
  cancelled = false;
  readonly activeJobs = new Set<Job>();

  constructor(
    readonly runner: Runner,
    readonly workflow: ParsedWorkflow,
    readonly event: TriggerEvent,
    readonly id: number,
    readonly number: number,
    readonly dispatchInputs: Record<string, string>,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.runner.options.log(`  run #${this.number} cancelled`);
    for (const job of this.activeJobs) job.cancel('cancelled');
  }

  githubContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const { repository } = this.runner.options;
    const event = this.event;
    return {
      event_name: event.name,
      event: event.payload,
      ref: event.ref,
      ref_name: event.ref.replace(/^refs\/(heads|tags)\//, ''),
      ref_type: 'branch',
      sha: event.sha,
      repository,
      repository_owner: repository.split('/')[0],
      actor: event.actor,
      triggering_actor: event.actor,
      run_id: String(this.id),
      run_number: String(this.number),
      run_attempt: '1',
      workflow: this.workflow.path,
      head_ref: event.headRef ?? '',
      base_ref: event.baseRef ?? '',
      server_url: 'https://github.com',
      api_url: `${this.runner.options.model.endpoint}/github`,
      ...extra,
    };
  }

  contexts(extra: Contexts): Contexts {
    return {
      github: this.githubContext(),
      vars: this.runner.options.vars,
      secrets: {},
      inputs: this.dispatchInputs,
      ...extra,
    };
  }

  concurrencyOf(
    token: Token,
    contexts: Contexts,
    what: string,
  ): { group: string; cancelInProgress: boolean } {
    const value = evaluateToken(token, contexts, { failed: false, cancelled: false });
    if (typeof value === 'string') return { group: value, cancelInProgress: false };
    const mapping = value as { group?: string; 'cancel-in-progress'?: boolean };
    if (!mapping.group) throw new Error(`${what}: concurrency without a group`);
    return { group: mapping.group, cancelInProgress: truthy(mapping['cancel-in-progress']) };
  }

  /** Runs the jobs of a workflow in `needs` order, in parallel where the graph allows. */
  async runJobs(
    workflow: ParsedWorkflow,
    call: CallContext,
  ): Promise<{ results: Map<string, JobResult[]>; outputs: Record<string, string> }> {
    const results = new Map<string, Promise<JobResult[]>>();
    const rawJobs = find(workflow.root, 'jobs');
    const start = (jobId: string): Promise<JobResult[]> => {
      const existing = results.get(jobId);
      if (existing) return existing;
      const job = workflow.template.jobs.find((j) => j.id.value === jobId);
      if (!job) throw new Error(`${workflow.path}: no job ${jobId}`);
      const promise = (async () => {
        const needs = (job.needs ?? []).map((n) => n.value);
        const needed = await Promise.all(needs.map((n) => start(n)));
        const needsContext: Record<string, { result: string; outputs: Record<string, string> }> = {};
        needs.forEach((name, index) => {
          const instances = needed[index] ?? [];
          const result = instances.some((r) => r.result === 'failure')
            ? 'failure'
            : instances.some((r) => r.result === 'cancelled')
              ? 'cancelled'
              : instances.every((r) => r.result === 'skipped')
                ? 'skipped'
                : 'success';
          needsContext[name] = { result, outputs: Object.assign({}, ...instances.map((r) => r.outputs)) };
        });
        const state: StatusState = {
          failed: Object.values(needsContext).some((n) => n.result === 'failure' || n.result === 'cancelled'),
          cancelled: this.cancelled,
        };
        const allSucceeded = Object.values(needsContext).every((n) => n.result === 'success');
        const contexts = this.contexts({ needs: needsContext, inputs: call.inputs ?? this.dispatchInputs });
        const condition = job.if?.expression ?? 'success()';
        const runs = truthy(
          evaluateExpression(condition, contexts, {
            failed: state.failed || !allSucceeded,
            cancelled: state.cancelled,
          }),
        );
        const rawJob = find(rawJobs, jobId);
        // A matrix job's name may use `matrix`: before expansion (a skipped job, a reusable call) it is empty.
        const nameContexts = { ...contexts, matrix: {}, strategy: {} };
        const displayName = `${call.prefix ?? ''}${asString(evaluateToken(job.name ?? find(rawJob, 'name'), nameContexts, state)) || jobId}`;
        if (!runs) {
          this.runner.options.log(`job ${displayName}: skipped (if: ${condition})`);
          return [
            {
              id: jobId,
              name: displayName,
              result: 'skipped',
              outputs: {},
              steps: [],
              annotations: [],
              summary: '',
            } satisfies JobResult,
          ];
        }
        if (job.type === 'reusableWorkflowJob')
          return [await this.callWorkflow(job, rawJob, contexts, call, displayName)];
        return this.runMatrix(workflow, jobId, rawJob, contexts, call, displayName);
      })();
      results.set(jobId, promise);
      return promise;
    };
    for (const job of workflow.template.jobs) start(job.id.value);
    // Every job ends before the run does, even when one throws (a case the runner does not model):
    // the run then rejects with the first such error, and no job's rejection goes unobserved.
    const ended = await Promise.allSettled(results.values());
    const thrown = ended.find((outcome) => outcome.status === 'rejected');
    if (thrown) throw thrown.reason;
    const all = new Map(
      [...results.keys()].map((id, index) => [
        id,
        (ended[index] as PromiseFulfilledResult<JobResult[]>).value,
      ]),
    );
    const outputs: Record<string, string> = {};
    const callOutputs = find(find(find(workflow.root, 'on'), 'workflow_call'), 'outputs');
    const jobsContext = Object.fromEntries(
      [...all].map(([id, instances]) => [
        id,
        {
          result: instances[0]?.result ?? 'skipped',
          outputs: Object.assign({}, ...instances.map((r) => r.outputs)),
        },
      ]),
    );
    for (const [name, definition] of entries(callOutputs)) {
      outputs[name] = asString(
        evaluateToken(
          find(definition, 'value'),
          this.contexts({ jobs: jobsContext, inputs: call.inputs ?? {} }),
          { failed: false, cancelled: false },
        ),
      );
    }
    return { results: all, outputs };
  }

  private async runMatrix(
    workflow: ParsedWorkflow,
    jobId: string,
    rawJob: Token,
    contexts: Contexts,
    call: CallContext,
    displayName: string,
  ): Promise<JobResult[]> {
    let strategy: { matrix?: Record<string, unknown[]> } | undefined;
    try {
      strategy = evaluateToken(find(rawJob, 'strategy'), contexts, { failed: false, cancelled: false }) as
        | typeof strategy
        | undefined;
    } catch (error) {
      // GitHub fails the job, without running it, when its strategy cannot be evaluated.
      const message = `Error when evaluating 'strategy' for job '${jobId}'. ${error instanceof Error ? error.message : String(error)}`;
      this.runner.options.log(`job ${displayName}: ##[error]${message}`);
      return [
        {
          id: jobId,
          name: displayName,
          result: 'failure',
          outputs: {},
          steps: [],
          annotations: [message],
          summary: '',
        },
      ];
    }
    const matrix = strategy?.matrix;
    const combinations: Record<string, unknown>[] = [{}];
    for (const [key, values] of Object.entries(matrix ?? {})) {
      if (!Array.isArray(values))
        throw new Error(
          `${workflow.path} ${jobId}: matrix ${key} is not a list (include/exclude are not modelled)`,
        );
      const next: Record<string, unknown>[] = [];
      for (const combination of combinations)
        for (const value of values) next.push({ ...combination, [key]: value });
      combinations.splice(0, combinations.length, ...next);
    }
    return Promise.all(
      combinations.map(async (combination) => {
        const withMatrix = { ...contexts, matrix: combination, strategy: { 'fail-fast': false } };
        const name = matrix
          ? `${call.prefix ?? ''}${asString(evaluateToken(find(rawJob, 'name'), withMatrix, { failed: false, cancelled: false })) || `${jobId} (${Object.values(combination).join(', ')})`}`
          : displayName;
        const job = new Job(this, workflow, jobId, rawJob, name, withMatrix, call.ceiling);
        this.activeJobs.add(job);
        try {
          return await job.run();
        } finally {
          this.activeJobs.delete(job);
        }
      }),
    );
  }

  private async callWorkflow(
    job: ParsedWorkflow['template']['jobs'][number] & { type: 'reusableWorkflowJob' },
    rawJob: Token,
    contexts: Contexts,
    call: CallContext,
    displayName: string,
  ): Promise<JobResult> {
    const path = job.ref.value.replace(/^\.\//, '');
    if (!path.startsWith('.github/workflows/'))
      throw new Error(
        `reusable workflow ${job.ref.value} is not local; the rehearsal runs only this repository's workflows`,
      );
    const callee = await this.runner.parse(path);
    const state = { failed: false, cancelled: this.cancelled };
    const given = (evaluateToken(find(rawJob, 'with'), contexts, state) ?? {}) as Record<string, unknown>;
    const declared = find(find(find(callee.root, 'on'), 'workflow_call'), 'inputs');
    const inputs: Record<string, unknown> = {};
    for (const [name, definition] of entries(declared)) {
      const value = given[name] ?? evaluateToken(find(definition, 'default'), contexts, state);
      if (value === undefined && truthy(evaluateToken(find(definition, 'required'), {}, state))) {
        throw new Error(`${displayName}: input ${name} of ${path} is required`);
      }
      inputs[name] = value ?? '';
    }
    for (const name of Object.keys(given)) {
      if (!entries(declared).some(([declaredName]) => declaredName === name))
        throw new Error(`${displayName}: ${path} has no input ${name}`);
    }
    const ceiling = intersect(
      parsePermissions(evaluateToken(find(rawJob, 'permissions'), contexts, state)) ??
        parsePermissions('write-all')!,
      call.ceiling,
    );
    this.runner.options.log(`job ${displayName}: calls ${path}`);
    const { results, outputs } = await this.runJobs(callee, {
      inputs,
      ceiling,
      prefix: `${displayName} / `,
      callerRoot: rawJob,
    });
    const instances = [...results.values()].flat();
    const result = instances.some((r) => r.result === 'failure')
      ? 'failure'
      : instances.some((r) => r.result === 'cancelled')
        ? 'cancelled'
        : 'success';
    return {
      id: job.id.value,
      name: displayName,
      result,
      outputs,
      steps: instances.flatMap((r) => r.steps),
      annotations: instances.flatMap((r) => r.annotations),
      summary: instances.map((r) => r.summary).join('\n'),
      inner: instances,
    };
  }

  /** A fresh per-job directory under the rehearsal's state directory. */
  jobDirectory(name: string): string {
    const dir = join(
      this.runner.options.stateDir,
      `run-${this.number}`,
      `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${randomBytes(3).toString('hex')}`,
    );
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  writeEventFile(dir: string): string {
    const path = join(dir, 'event.json');
    if (!existsSync(path)) writeFileSync(path, JSON.stringify(this.event.payload));
    return path;
  }
}
