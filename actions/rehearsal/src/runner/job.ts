import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOCK_DIR_VARIABLE } from '../clock/clock';
import { buildPath, githubActions } from '../vendor/load';
import {
  asString,
  type Contexts,
  entries,
  evaluateExpression,
  evaluateToken,
  find,
  items,
  type StatusState,
  truthy,
} from './expressions';
import { parseFileCommand } from './file-commands';
import { type StepProcess, spawnStep } from './process';
import {
  intersect,
  type ParsedWorkflow,
  type Permissions,
  parsePermissions,
  type WorkflowRun,
} from './runner';
import { STAND_INS } from './stand-in-contracts';
import { checkout, writeShims } from './workspace';

type Token = Parameters<typeof evaluateToken>[0];

export interface StepRecord {
  readonly id: string;
  readonly name: string;
  readonly outcome: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly conclusion: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly outputs: Record<string, string>;
}

export interface JobResult {
  readonly id: string;
  readonly name: string;
  readonly result: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly outputs: Record<string, string>;
  readonly steps: StepRecord[];
  /** ::error:: / ::warning:: annotations and runner messages. */
  readonly annotations: string[];
  readonly summary: string;
  readonly inner?: JobResult[];
}

interface PostStep {
  readonly name: string;
  readonly condition: string;
  readonly run: () => Promise<number>;
}

/** A step to run: a parsed step mapping and the contexts it sees (a composite's inputs, for one). */
interface StepSource {
  readonly token: Token;
  readonly condition: string;
  readonly id: string;
  readonly scopeSteps: Record<
    string,
    { outputs: Record<string, string>; outcome: string; conclusion: string }
  >;
  readonly extraContexts: Contexts;
  readonly actionPath?: string;
  readonly defaultShell?: string | undefined;
  readonly defaultWorkingDirectory?: string | undefined;
}

const DEFAULT_TIMEOUT_MINUTES = 360;

/** One job of a workflow run on a fresh simulated runner. */
export class Job {
  private cancelReason: 'cancelled' | 'timeout' | undefined;
  private current: StepProcess | undefined;
  private failed = false;
  private readonly dir: string;
  private readonly workspace: string;
  private readonly temp: string;
  private readonly home: string;
  private readonly shims: string;
  private readonly exported: Record<string, string> = {};
  private readonly masks: string[] = [];
  private readonly postSteps: PostStep[] = [];
  private readonly steps: StepRecord[] = [];
  private readonly annotations: string[] = [];
  private readonly stepsContext: Record<
    string,
    { outputs: Record<string, string>; outcome: string; conclusion: string }
  > = {};
  private summary = '';
  private token = '';
  private permissions: Permissions = {};
  private environment: string | undefined;
  private oidcRequestToken: string | undefined;
  private stepCounter = 0;

  constructor(
    readonly workflowRun: WorkflowRun,
    readonly workflow: ParsedWorkflow,
    readonly id: string,
    readonly raw: Token,
    readonly name: string,
    private readonly contexts: Contexts,
    private readonly ceiling: Permissions | undefined,
  ) {
    this.dir = workflowRun.jobDirectory(name);
    this.workspace = join(this.dir, 'workspace');
    this.temp = join(this.dir, 'temp');
    this.home = join(this.dir, 'home');
    this.shims = join(this.dir, 'bin');
    for (const path of [this.workspace, this.temp, this.home]) mkdirSync(path, { recursive: true });
  }

  private get options() {
    return this.workflowRun.runner.options;
  }

  log(line: string): void {
    let text = line;
    for (const mask of this.masks) if (mask) text = text.split(mask).join('***');
    this.options.log(`  [${this.name}] ${text}`);
    this.options.onLine?.(this, text);
  }

  cancel(reason: 'cancelled' | 'timeout'): void {
    if (this.cancelReason) return;
    this.cancelReason = reason;
    this.log(
      reason === 'timeout'
        ? '##[error]The job has exceeded the maximum execution time'
        : '##[error]The operation was canceled.',
    );
    void this.current?.cancel();
  }

  /**
   * Holds the running step's processes until released. On the virtual clock a polling step races
   * through its waits while another run does real work; a scenario holds it so that the other run
   * acts while this job is still in flight, as it would in real time.
   */
  hold(held: boolean): void {
    this.log(held ? 'scenario: step held' : 'scenario: step released');
    this.current?.hold(held);
  }

  private state(): StatusState {
    return { failed: this.failed, cancelled: this.cancelReason !== undefined };
  }

  private jobStatus(): string {
    return this.cancelReason === 'cancelled'
      ? 'cancelled'
      : this.failed || this.cancelReason === 'timeout'
        ? 'failure'
        : 'success';
  }

  private fullContexts(extra: Contexts = {}): Contexts {
    return {
      ...this.contexts,
      github: this.workflowRun.githubContext({
        job: this.id,
        token: this.token,
        action_path: '',
        workspace: this.workspace,
      }),
      env: { ...this.workflowEnv(), ...this.jobEnv() },
      steps: this.stepsContext,
      job: { status: this.jobStatus() },
      runner: { os: 'Linux', arch: 'X64', temp: this.temp, name: 'rehearsal' },
      ...extra,
    };
  }

  private workflowEnv(): Record<string, string> {
    return this.stringMap(evaluateToken(find(this.workflow.root, 'env'), this.contexts, this.state()));
  }

  private jobEnv(): Record<string, string> {
    return this.stringMap(
      evaluateToken(find(this.raw, 'env'), { ...this.contexts, steps: this.stepsContext }, this.state()),
    );
  }

  private stringMap(value: unknown): Record<string, string> {
    return Object.fromEntries(
      Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, asString(v)]),
    );
  }

  async run(): Promise<JobResult> {
    const contexts = this.fullContexts();
    const state = this.state();
    this.log(`job started (run #${this.workflowRun.number})`);
    const concurrency = find(this.raw, 'concurrency');
    let release: (() => void) | undefined;
    if (concurrency) {
      const { group, cancelInProgress } = this.workflowRun.concurrencyOf(concurrency, contexts, this.name);
      release = await this.workflowRun.runner.concurrency.acquire(
        group,
        cancelInProgress,
        () => this.cancel('cancelled'),
        (line) => this.log(line),
      );
      if (!release) return this.result('cancelled', {});
    }
    try {
      return await this.runAdmitted(contexts, state);
    } finally {
      release?.();
    }
  }

  private async runAdmitted(contexts: Contexts, state: StatusState): Promise<JobResult> {
    const environmentValue = evaluateToken(find(this.raw, 'environment'), contexts, state);
    const environment =
      typeof environmentValue === 'string'
        ? { name: environmentValue }
        : (environmentValue as { name?: string; url?: string; deployment?: boolean } | undefined);
    this.environment = environment?.name || undefined;
    if (this.environment) {
      const refused = this.protectionRule(this.environment);
      if (refused) {
        this.annotations.push(refused);
        this.log(`##[error]${refused}`);
        return this.result('failure', {});
      }
    }
    this.permissions = this.jobPermissions(contexts, state);
    this.token = `ghs_${randomBytes(12).toString('hex')}`;
    this.options.model.github.tokens.set(this.token, {
      value: this.token,
      permissions: this.permissions,
      job: this.name,
    });
    if (this.permissions['id-token'] === 'write') {
      this.oidcRequestToken = randomBytes(16).toString('hex');
      this.options.model.oidcRequests.set(this.oidcRequestToken, this.oidcClaims());
    }
    writeShims(this.shims, this.options.awsCli);
    const autoDeployment =
      this.environment && environment?.deployment !== false
        ? this.startEnvironmentDeployment(this.environment)
        : undefined;

    const timeoutMinutes = Number(
      evaluateToken(find(this.raw, 'timeout-minutes'), contexts, state) ?? DEFAULT_TIMEOUT_MINUTES,
    );
    const deadline = this.options.clock.now() + timeoutMinutes * 60_000;
    const watchdog = setInterval(() => {
      if (this.options.clock.now() >= deadline) this.cancel('timeout');
    }, 20);
    try {
      const defaults = evaluateToken(find(this.raw, 'defaults'), contexts, state) as
        | { run?: { shell?: string; 'working-directory'?: string } }
        | undefined;
      const workflowDefaults = evaluateToken(
        find(this.workflow.root, 'defaults'),
        contexts,
        state,
      ) as typeof defaults;
      const converted = this.workflow.template.jobs.find((j) => j.id.value === this.id);
      const rawSteps = items(find(this.raw, 'steps'));
      for (const [index, token] of rawSteps.entries()) {
        const step = converted && 'steps' in converted ? converted.steps[index] : undefined;
        await this.runStep({
          token,
          condition: step?.if?.expression ?? 'success()',
          id: step?.id || `__step${index}`,
          scopeSteps: this.stepsContext,
          extraContexts: {},
          ...((defaults?.run?.shell ?? workflowDefaults?.run?.shell)
            ? { defaultShell: defaults?.run?.shell ?? workflowDefaults?.run?.shell }
            : {}),
          ...(defaults?.run?.['working-directory']
            ? { defaultWorkingDirectory: defaults.run['working-directory'] }
            : {}),
        });
      }
      for (const post of this.postSteps.reverse()) {
        const runs = truthy(evaluateExpression(post.condition, this.fullContexts(), this.state()));
        if (!runs) continue;
        this.log(`post ${post.name}`);
        const code = await post.run();
        if (code !== 0) {
          this.failed = true;
          this.log(`##[error]post ${post.name} failed with exit code ${code}`);
        }
      }
    } finally {
      clearInterval(watchdog);
    }
    if (this.cancelReason === 'timeout')
      this.annotations.push(`The job has exceeded the maximum execution time of ${timeoutMinutes} minutes.`);
    const outputs = this.stringMap(
      evaluateToken(find(this.raw, 'outputs'), this.fullContexts(), this.state()),
    );
    const result =
      this.cancelReason === 'cancelled'
        ? 'cancelled'
        : this.failed || this.cancelReason === 'timeout'
          ? 'failure'
          : 'success';
    if (autoDeployment !== undefined) {
      const url = asString(
        evaluateToken(
          typeof environmentValue === 'object' ? find(find(this.raw, 'environment'), 'url') : undefined,
          this.fullContexts(),
          this.state(),
        ),
      );
      this.finishEnvironmentDeployment(autoDeployment, result, url);
    }
    return this.result(result, outputs);
  }

  private result(result: JobResult['result'], outputs: Record<string, string>): JobResult {
    this.log(`job ${result}`);
    this.options.model.github.tokens.delete(this.token);
    return {
      id: this.id,
      name: this.name,
      result,
      outputs,
      steps: this.steps,
      annotations: this.annotations,
      summary: this.summary,
    };
  }

  /** Deployment branches and required reviewers, as environment protection rules apply them. */
  private protectionRule(environment: string): string | undefined {
    const settings = this.options.environments[environment];
    if (!settings) return undefined;
    const ref = this.workflowRun.event.ref;
    if (settings.branches && !settings.branches.some((branch) => ref === `refs/heads/${branch}`)) {
      return `Branch "${ref.replace(/^refs\/heads\//, '')}" is not allowed to deploy to ${environment} due to environment protection rules.`;
    }
    if (settings.reviewers) {
      const approved = this.options.approve?.(environment, this.name) ?? false;
      this.log(
        `environment ${environment}: required reviewers ${approved ? 'approved' : 'did not approve'} the deployment`,
      );
      if (!approved)
        return `The deployment to ${environment} was rejected or never approved by the required reviewers.`;
    }
    return undefined;
  }

  private jobPermissions(contexts: Contexts, state: StatusState): Permissions {
    const declared =
      parsePermissions(evaluateToken(find(this.raw, 'permissions'), contexts, state)) ??
      parsePermissions(evaluateToken(find(this.workflow.root, 'permissions'), contexts, state)) ??
      parsePermissions('write-all')!;
    let permissions = intersect(declared, this.ceiling);
    const event = this.workflowRun.event;
    const head = (event.payload.pull_request as { head?: { repo?: { fork?: boolean } } } | undefined)?.head;
    // Pull requests from forks and Dependabot get a read-only token and no OIDC token.
    if (event.name === 'pull_request' && (head?.repo?.fork || event.actor === 'dependabot[bot]')) {
      permissions = Object.fromEntries(
        Object.entries(permissions).map(([scope, level]) => [
          scope,
          scope === 'id-token' ? 'none' : level === 'write' ? 'read' : level,
        ]),
      );
    }
    return permissions;
  }

  /** The claims GitHub puts in the job's OIDC token (sub as the OIDC docs define it). */
  private oidcClaims(): Record<string, unknown> {
    const { repository } = this.options;
    const event = this.workflowRun.event;
    const sub = this.environment
      ? `repo:${repository}:environment:${this.environment}`
      : event.name === 'pull_request'
        ? `repo:${repository}:pull_request`
        : `repo:${repository}:ref:${event.ref}`;
    return {
      iss: 'https://token.actions.githubusercontent.com',
      sub,
      repository,
      repository_owner: repository.split('/')[0],
      ref: event.ref,
      ref_type: 'branch',
      sha: event.sha,
      actor: event.actor,
      event_name: event.name,
      workflow: this.workflow.path,
      job_workflow_ref: `${repository}/${this.workflow.path}@${event.ref}`,
      run_id: String(this.workflowRun.id),
      ...(this.environment ? { environment: this.environment } : {}),
    };
  }

  private startEnvironmentDeployment(environment: string): number {
    const github = this.options.model.github;
    const [, deployment] = github.handle(
      'POST',
      `/repos/${this.options.repository}/deployments`,
      new URLSearchParams(),
      {
        ref: this.workflowRun.event.ref.replace(/^refs\/heads\//, ''),
        environment,
        payload: '',
        description: '',
        auto_merge: false,
        required_contexts: [],
      },
      `token ${this.token}`,
    ) as [number, { id: number }];
    github.handle(
      'POST',
      `/repos/${this.options.repository}/deployments/${deployment.id}/statuses`,
      new URLSearchParams(),
      { state: 'in_progress' },
      `token ${this.token}`,
    );
    return deployment.id;
  }

  private finishEnvironmentDeployment(id: number, result: string, url: string): void {
    const github = this.options.model.github;
    github.tokens.set(this.token, {
      value: this.token,
      permissions: { deployments: 'write' },
      job: `${this.name} (environment)`,
    });
    github.handle(
      'POST',
      `/repos/${this.options.repository}/deployments/${id}/statuses`,
      new URLSearchParams(),
      { state: result === 'success' ? 'success' : 'failure', environment_url: url },
      `token ${this.token}`,
    );
  }

  private baseEnv(
    stepName: string,
    files: { output: string; env: string; state: string; summary: string; path: string },
  ): NodeJS.ProcessEnv {
    const event = this.workflowRun.event;
    const { model, repository, clock } = this.options;
    const ref = event.ref;
    return {
      PATH: `${this.shims}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: this.home,
      LANG: 'C.UTF-8',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: this.workspace,
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0],
      GITHUB_SHA: event.sha,
      GITHUB_REF: ref,
      GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
      GITHUB_HEAD_REF: event.headRef ?? '',
      GITHUB_BASE_REF: event.baseRef ?? '',
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: this.workflowRun.writeEventFile(this.dir),
      GITHUB_RUN_ID: String(this.workflowRun.id),
      GITHUB_RUN_NUMBER: String(this.workflowRun.number),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: event.actor,
      GITHUB_TRIGGERING_ACTOR: event.actor,
      GITHUB_JOB: this.id,
      GITHUB_WORKFLOW: this.workflow.path,
      GITHUB_ACTION: stepName,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: `${model.endpoint}/github`,
      GITHUB_GRAPHQL_URL: `${model.endpoint}/github/graphql`,
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_PATH: files.path,
      RUNNER_TEMP: this.temp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'rehearsal',
      RUNNER_TOOL_CACHE: join(this.dir, 'toolcache'),
      ...(this.oidcRequestToken
        ? {
            ACTIONS_ID_TOKEN_REQUEST_URL: `${model.endpoint}/_rehearsal/oidc?job=${encodeURIComponent(this.name)}`,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: this.oidcRequestToken,
          }
        : {}),
      [CLOCK_DIR_VARIABLE]: clock.dir,
      REHEARSAL_AWS_ENDPOINT: model.endpoint,
      REHEARSAL_CONTROL_URL: `${model.endpoint}/_rehearsal`,
      REHEARSAL_REPO_ROOT: this.options.repoRoot,
      AWS_ENDPOINT_URL: model.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
      NODE_OPTIONS: `--no-warnings --require ${buildPath('clock-preload.cjs')}`,
      // V8's code cache for the action bundles and stand-ins, kept between steps and rehearsals (Node
      // checks each entry against the file's content): a step's node starts ~15% cheaper.
      NODE_COMPILE_CACHE: buildPath('node-compile-cache'),
      ...this.exported,
    };
  }

  private newFiles() {
    const n = ++this.stepCounter;
    const files = {
      output: join(this.temp, `_output_${n}`),
      env: join(this.temp, `_env_${n}`),
      state: join(this.temp, `_state_${n}`),
      summary: join(this.temp, `_summary_${n}`),
      path: join(this.temp, `_path_${n}`),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');
    // curl reads ~/.curlrc: it maps each ALB name and port to its front, as DNS would.
    writeFileSync(join(this.home, '.curlrc'), `${this.options.model.curlConnectTo().join('\n')}\n`);
    return files;
  }

  private collect(files: ReturnType<Job['newFiles']>): {
    outputs: Record<string, string>;
    state: Record<string, string>;
  } {
    Object.assign(this.exported, parseFileCommand(files.env));
    const paths = readFileSync(files.path, 'utf8').split('\n').filter(Boolean);
    if (paths.length)
      this.exported.PATH = `${paths.join(':')}:${this.exported.PATH ?? `${this.shims}:${process.env.PATH}`}`;
    const summary = readFileSync(files.summary, 'utf8');
    if (summary) this.summary += `${summary}\n`;
    return { outputs: parseFileCommand(files.output), state: parseFileCommand(files.state) };
  }

  private onOutput(line: string): void {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!command) {
      this.log(line);
      return;
    }
    const [, name, , message = ''] = command;
    if (name === 'add-mask') {
      this.masks.push(message);
      return;
    }
    if (name === 'error' || name === 'warning' || name === 'notice') {
      const text = message.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
      this.annotations.push(`${name}: ${text}`);
      this.log(`##[${name}]${text}`);
      return;
    }
    if (
      name === 'debug' ||
      name === 'group' ||
      name === 'endgroup' ||
      name === 'save-state' ||
      name === 'set-output'
    ) {
      if (name === 'group') this.log(`▸ ${message}`);
      return;
    }
    this.log(line);
  }

  private async spawn(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
    if (this.cancelReason && !this.runningAfterCancel) return 1;
    const child = spawnStep({ command, args, cwd, env, onLine: (line) => this.onOutput(line) });
    this.current = child;
    const code = await child.exit;
    this.current = undefined;
    return code;
  }

  private runningAfterCancel = false;

  private async runStep(source: StepSource): Promise<void> {
    const state = this.state();
    const stepContexts = this.fullContexts({ ...source.extraContexts, steps: source.scopeSteps });
    const name =
      asString(evaluateToken(find(source.token, 'name'), stepContexts, state)) ||
      asString(evaluateToken(find(source.token, 'uses'), stepContexts, state)) ||
      `Run ${asString(evaluateToken(find(source.token, 'run'), stepContexts, state)).split('\n')[0]}`;
    const runs = truthy(evaluateExpression(source.condition, stepContexts, state));
    if (!runs) {
      this.record(source, name, 'skipped', 'skipped', {});
      return;
    }
    this.runningAfterCancel = this.cancelReason !== undefined;
    this.log(`step ${name}`);
    const inherited = (stepContexts.env ?? {}) as Record<string, string>;
    const env = {
      ...inherited,
      ...this.stringMap(evaluateToken(find(source.token, 'env'), stepContexts, state)),
    };
    const continueOnError = truthy(
      evaluateToken(find(source.token, 'continue-on-error'), stepContexts, state),
    );
    const files = this.newFiles();
    let code: number;
    let outputs: Record<string, string> = {};
    try {
      const uses = asString(evaluateToken(find(source.token, 'uses'), stepContexts, state));
      if (uses) {
        const withInputs = (evaluateToken(find(source.token, 'with'), stepContexts, state) ?? {}) as Record<
          string,
          unknown
        >;
        ({ code, outputs } = await this.runAction(uses, withInputs, env, files, name, source));
      } else {
        const script = asString(evaluateToken(find(source.token, 'run'), stepContexts, state));
        const shell =
          asString(evaluateToken(find(source.token, 'shell'), stepContexts, state)) ||
          source.defaultShell ||
          'bash';
        const workingDirectory =
          asString(evaluateToken(find(source.token, 'working-directory'), stepContexts, state)) ||
          source.defaultWorkingDirectory ||
          '';
        code = await this.runScript(script, shell, workingDirectory, env, files);
        outputs = this.collect(files).outputs;
      }
    } catch (error) {
      this.log(`##[error]${error instanceof Error ? error.message : String(error)}`);
      this.annotations.push(`error: ${error instanceof Error ? error.message : String(error)}`);
      code = 1;
    }
    const cancelledNow = this.cancelReason !== undefined && !this.runningAfterCancel;
    const outcome = code === 0 ? 'success' : cancelledNow ? 'cancelled' : 'failure';
    const conclusion = outcome === 'failure' && continueOnError ? 'success' : outcome;
    if (conclusion === 'failure') {
      this.failed = true;
      this.log(`##[error]step ${name} failed (exit code ${code})`);
    }
    this.record(source, name, outcome, conclusion, outputs);
  }

  private record(
    source: StepSource,
    name: string,
    outcome: StepRecord['outcome'],
    conclusion: StepRecord['conclusion'],
    outputs: Record<string, string>,
  ): void {
    source.scopeSteps[source.id] = { outputs, outcome, conclusion };
    if (source.scopeSteps === this.stepsContext)
      this.steps.push({ id: source.id, name, outcome, conclusion, outputs });
  }

  private async runScript(
    script: string,
    shell: string,
    workingDirectory: string,
    env: Record<string, string>,
    files: ReturnType<Job['newFiles']>,
  ): Promise<number> {
    const path = join(this.temp, `script-${randomBytes(4).toString('hex')}.sh`);
    writeFileSync(path, script);
    const [command, ...args] = shellCommand(shell, path);
    const cwd = join(this.workspace, workingDirectory);
    return this.spawn(command ?? 'bash', args, cwd, { ...this.baseEnv('run', files), ...env });
  }

  private async runAction(
    uses: string,
    withInputs: Record<string, unknown>,
    env: Record<string, string>,
    files: ReturnType<Job['newFiles']>,
    name: string,
    source: StepSource,
  ): Promise<{ code: number; outputs: Record<string, string> }> {
    if (uses.startsWith('./'))
      return this.runLocalAction(uses.slice(2).replace(/\/$/, ''), withInputs, env, files, name, source);
    const [repository] = uses.split('@');
    const contract = STAND_INS[repository ?? ''];
    if (!contract)
      throw new Error(
        `${uses}: the rehearsal has no stand-in for this action; add one to actions/rehearsal/src/stand-ins`,
      );
    const inputs = this.actionInputs(contract.inputs, withInputs, uses);
    const inputEnv = Object.fromEntries(
      Object.entries(inputs).map(([key, value]) => [`INPUT_${key.replace(/ /g, '_').toUpperCase()}`, value]),
    );
    const baseEnv = {
      ...this.baseEnv(name, files),
      ...env,
      ...inputEnv,
      REHEARSAL_WORKSPACE_SOURCE: this.options.repoRoot,
    };
    const code = await this.spawn(
      process.execPath,
      [buildPath('stand-in.cjs'), 'action', repository ?? ''],
      this.workspace,
      baseEnv,
    );
    if (
      repository === 'actions/checkout' &&
      code === 0 &&
      !existsSync(join(this.workspace, 'package.json'))
    ) {
      checkout(
        this.options.repoRoot,
        this.workspace,
        this.workflowRun.runner.files,
        this.options.overrides ?? {},
        inputs['sparse-checkout'] ? inputs['sparse-checkout'].split('\n').filter(Boolean) : [],
      );
      this.log(
        `checked out ${this.workflowRun.event.sha.slice(0, 7)} into the workspace (${this.workflowRun.runner.files.length} files)`,
      );
    }
    return { code, outputs: this.collect(files).outputs };
  }

  /** Applies `with:` to an action's declared inputs: defaults evaluated, unknown inputs reported as GitHub does. */
  private actionInputs(
    declared: Record<string, { default?: string; required?: boolean }>,
    given: Record<string, unknown>,
    uses: string,
    strict = true,
  ): Record<string, string> {
    const inputs: Record<string, string> = {};
    for (const key of Object.keys(given)) {
      if (!(key in declared)) {
        if (strict)
          throw new Error(
            `${uses}: input '${key}' is not modelled by its stand-in (known: ${Object.keys(declared).join(', ')})`,
          );
        this.log(
          `##[warning]Unexpected input(s) '${key}', valid inputs are [${Object.keys(declared).join(', ')}]`,
        );
      }
    }
    for (const [key, definition] of Object.entries(declared)) {
      const value =
        given[key] !== undefined ? asString(given[key]) : this.interpolate(definition.default ?? '');
      inputs[key] = value;
    }
    for (const [key, value] of Object.entries(given)) if (!(key in inputs)) inputs[key] = asString(value);
    return inputs;
  }

  private interpolate(text: string): string {
    return text.replace(/\$\{\{(.*?)\}\}/g, (_m, expression: string) =>
      asString(evaluateExpression(expression.trim(), this.fullContexts(), this.state())),
    );
  }

  private async runLocalAction(
    path: string,
    withInputs: Record<string, unknown>,
    env: Record<string, string>,
    files: ReturnType<Job['newFiles']>,
    name: string,
    source: StepSource,
  ): Promise<{ code: number; outputs: Record<string, string> }> {
    const { parseAction } = githubActions();
    const file = ['action.yml', 'action.yaml']
      .map((f) => `${path}/${f}`)
      .find((f) => existsSync(join(this.workspace, f)));
    if (!file)
      throw new Error(
        `Can't find 'action.yml' under '${join(this.workspace, path)}'. Did you forget to run actions/checkout before running your local action?`,
      );
    const parsed = parseAction(
      { name: file, content: readFileSync(join(this.workspace, file), 'utf8') },
      new (githubActions().NoOperationTraceWriter)(),
    );
    const errors = parsed.context.errors.getErrors();
    if (errors.length || !parsed.value)
      throw new Error(`${file}: ${errors.map((e: { message: string }) => e.message).join('; ')}`);
    const root = parsed.value as Token;
    const declared: Record<string, { default?: string }> = {};
    for (const [input, definition] of entries(find(root, 'inputs'))) {
      const defaultToken = find(definition, 'default');
      declared[input] =
        defaultToken?.templateTokenType === 3
          ? { default: `\${{ ${(defaultToken as unknown as { expression: string }).expression} }}` }
          : { default: asString(evaluateToken(defaultToken, {}, this.state())) };
    }
    const inputs = this.actionInputs(declared, withInputs, `./${path}`, false);
    const runsToken = find(root, 'runs');
    const using = asString(evaluateToken(find(runsToken, 'using'), {}, this.state()));
    if (using === 'composite') return this.runComposite(path, root, inputs, env, files, source);
    if (!/^node\d+$/.test(using)) throw new Error(`./${path}: runs.using ${using} is not modelled`);
    const actionDir = join(this.workspace, path);
    const main = asString(evaluateToken(find(runsToken, 'main'), {}, this.state()));
    const post = asString(evaluateToken(find(runsToken, 'post'), {}, this.state()));
    const postIf = asString(evaluateToken(find(runsToken, 'post-if'), {}, this.state())) || 'always()';
    const inputEnv = Object.fromEntries(
      Object.entries(inputs).map(([key, value]) => [`INPUT_${key.replace(/ /g, '_').toUpperCase()}`, value]),
    );
    const actionEnv = { ...this.baseEnv(name, files), ...env, ...inputEnv, GITHUB_ACTION_PATH: actionDir };
    const code = await this.spawn(process.execPath, [join(actionDir, main)], this.workspace, actionEnv);
    const { outputs, state } = this.collect(files);
    if (post) {
      this.postSteps.push({
        name: `${name} (post)`,
        condition: postIf,
        run: async () => {
          const postFiles = this.newFiles();
          const stateEnv = Object.fromEntries(
            Object.entries(state).map(([key, value]) => [`STATE_${key}`, value]),
          );
          this.runningAfterCancel = true;
          const postCode = await this.spawn(process.execPath, [join(actionDir, post)], this.workspace, {
            ...this.baseEnv(`${name}-post`, postFiles),
            ...env,
            ...inputEnv,
            ...stateEnv,
          });
          this.collect(postFiles);
          return postCode;
        },
      });
    }
    return { code, outputs };
  }

  private async runComposite(
    path: string,
    root: Token,
    inputs: Record<string, string>,
    env: Record<string, string>,
    _files: ReturnType<Job['newFiles']>,
    parent: StepSource,
  ): Promise<{ code: number; outputs: Record<string, string> }> {
    const { ensureStatusFunction } = githubActions();
    const scopeSteps: StepSource['scopeSteps'] = {};
    const failedBefore = this.failed;
    this.failed = false;
    const stepTokens = items(find(find(root, 'runs'), 'steps'));
    for (const [index, token] of stepTokens.entries()) {
      const ifToken = find(token, 'if');
      const raw =
        ifToken === undefined
          ? 'success()'
          : ifToken.templateTokenType === 3
            ? (ifToken as unknown as { expression: string }).expression
            : asString(evaluateToken(ifToken, {}, this.state()));
      const id = asString(evaluateToken(find(token, 'id'), {}, this.state())) || `__composite${index}`;
      await this.runStep({
        token,
        condition: ensureStatusFunction(raw, ifToken?.definitionInfo),
        id,
        scopeSteps,
        extraContexts: { inputs, env: { ...(this.fullContexts().env as Record<string, string>), ...env } },
        actionPath: join(this.workspace, path),
      });
    }
    const compositeFailed = this.failed;
    this.failed = failedBefore || compositeFailed;
    const outputs: Record<string, string> = {};
    const contexts = this.fullContexts({ inputs, steps: scopeSteps });
    for (const [name, definition] of entries(find(root, 'outputs'))) {
      outputs[name] = asString(evaluateToken(find(definition, 'value'), contexts, this.state()));
    }
    void parent;
    return { code: compositeFailed ? 1 : 0, outputs };
  }
}

/** The command line of a `shell:` value, as the runner documents it for bash, sh and node. */
function shellCommand(shell: string, path: string): string[] {
  if (shell === 'bash') return ['bash', '--noprofile', '--norc', '-eo', 'pipefail', path];
  if (shell === 'sh') return ['sh', '-e', path];
  if (shell.includes('{0}')) return shell.split(/\s+/).map((part) => part.replace('{0}', path));
  throw new Error(`shell ${shell} is not modelled`);
}

export function appendLine(path: string, line: string): void {
  appendFileSync(path, `${line}\n`);
}
