import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { context, getOctokit } from '@actions/github';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { fillAppSpec, renderAppSpec } from '../../shared/src/appspec';
import { awsCall } from '../../shared/src/aws-error';
import {
  type DeployOutputs,
  deployOutputsSourceInput,
  environmentInput,
  loadDeployOutputs,
  SERVICES,
  serviceOutputs,
} from '../../shared/src/deploy-outputs';
import {
  type DeploymentState,
  type DeploymentsApi,
  findPreviousSuccessful,
  githubDeploymentsApi,
} from '../../shared/src/deployment-records';
import {
  booleanInput,
  enumInput,
  InputError,
  integerInput,
  optionalInput,
  requiredInput,
} from '../../shared/src/inputs';
import { realTiming, type Timing } from '../../shared/src/timing';
import {
  continueDeployment,
  getDeployment,
  stopWithRollback,
  type WaitOptions,
  type WaitResult,
  waitForDeployment,
} from './deployment';
import { STATE } from './state';
import { describeTaskDefinition, registerTaskDefinition } from './task-definition';

export const MODES = ['deploy', 'continue', 'stop', 'find-previous'] as const;
const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/;
const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

export interface Dependencies {
  readonly timing: Timing;
  /** Calls `handler` when the job is cancelled; returns a function that unsubscribes. */
  readonly onCancel: (handler: (reason: string) => void) => () => void;
  readonly deploymentsApi: (token: string) => DeploymentsApi;
}

/** The runner cancels a job with SIGINT, then SIGTERM a few seconds later. */
function onProcessSignals(handler: (reason: string) => void): () => void {
  const listener = (signal: NodeJS.Signals): void => handler(`Received ${signal} (job cancelled)`);
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

export const defaultDependencies: Dependencies = {
  timing: realTiming,
  onCancel: onProcessSignals,
  deploymentsApi: (token) => githubDeploymentsApi(getOctokit(token), context.repo),
};

export async function run(dependencies: Dependencies = defaultDependencies): Promise<void> {
  try {
    const mode = enumInput('mode', MODES, 'deploy');
    if (mode === 'find-previous') await findPrevious(dependencies);
    else if (mode === 'deploy') await deploy(dependencies);
    else await resume(mode, dependencies);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

function serviceInput(): string {
  const service = requiredInput('service');
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new InputError('service', `must be one of ${SERVICES.join(', ')} (got '${service}')`);
  }
  return service;
}

function githubDeploymentIdInput(): number | undefined {
  const raw = optionalInput('github-deployment-id');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new InputError('github-deployment-id', `must be a number (got '${raw}')`);
  return Number(raw);
}

function readDeployInputs() {
  const source = deployOutputsSourceInput();
  const service = serviceInput();
  const arn = optionalInput('task-definition-arn');
  const path = optionalInput('task-definition-path');
  if (arn !== undefined && path !== undefined) {
    throw new InputError('task-definition-arn', 'cannot be combined with task-definition-path');
  }
  if (arn === undefined && path === undefined) {
    throw new InputError(
      'task-definition-path',
      'is required (or task-definition-arn to deploy an existing revision)',
    );
  }
  if (arn !== undefined && !TASK_DEFINITION_ARN.test(arn)) {
    throw new InputError('task-definition-arn', `is not an ECS task definition revision ARN (got '${arn}')`);
  }
  const record = booleanInput('record-deployment', false);
  const commit = process.env.GITHUB_SHA ?? '';
  if (record && !/^[0-9a-f]{40}$/.test(commit)) {
    throw new InputError('record-deployment', 'needs GITHUB_SHA (the commit being deployed)');
  }
  return {
    source,
    service,
    taskDefinition:
      arn !== undefined ? ({ kind: 'arn', arn } as const) : ({ kind: 'path', path: path ?? '' } as const),
    appSpecPath: optionalInput('appspec-path'),
    timeoutMs: integerInput('timeout-minutes', 30, 1, 360) * 60_000,
    stopAtReady: booleanInput('stop-at-ready', false),
    record: record ? { token: requiredInput('github-token'), commit } : undefined,
    environmentUrl: optionalInput('environment-url'),
  };
}

/** A deployment that is to stop at ready needs a group that waits there (and stops if nobody continues). */
async function assertGroupWaitsAtReady(
  codedeploy: CodeDeployClient,
  application: string,
  group: string,
): Promise<void> {
  const response = await awsCall(`CodeDeploy GetDeploymentGroup ${group}`, () =>
    codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group }),
    ),
  );
  const ready = response.deploymentGroupInfo?.blueGreenDeploymentConfiguration?.deploymentReadyOption;
  if (ready?.actionOnTimeout !== 'STOP_DEPLOYMENT') {
    throw new InputError(
      'stop-at-ready',
      `needs deployment group ${group} to use deploymentReadyOption actionOnTimeout STOP_DEPLOYMENT ` +
        `(it is ${ready?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT'}, so traffic would shift without waiting)`,
    );
  }
}

function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = process.env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

async function deploy(dependencies: Dependencies): Promise<void> {
  const inputs = readDeployInputs();
  const outputs = await loadDeployOutputs(inputs.source, new SSMClient({}));
  const service = serviceOutputs(outputs, inputs.service);
  const ecs = new ECSClient({ region: outputs.region });
  const codedeploy = new CodeDeployClient({ region: outputs.region });
  if (inputs.stopAtReady) {
    await assertGroupWaitsAtReady(codedeploy, outputs.codeDeployApplication, service.deploymentGroup);
  }

  const taskDefinition =
    inputs.taskDefinition.kind === 'arn'
      ? await describeTaskDefinition(ecs, inputs.taskDefinition.arn)
      : await registerTaskDefinition(ecs, inputs.taskDefinition.path);
  if (taskDefinition.family !== service.taskFamily) {
    throw new Error(
      `Task definition ${taskDefinition.arn} is family ${taskDefinition.family}, but ${inputs.service} in ${outputs.environment} runs ${service.taskFamily}`,
    );
  }
  core.setOutput('task-definition-arn', taskDefinition.arn);
  core.info(`${inputs.taskDefinition.kind === 'arn' ? 'Reusing' : 'Registered'} ${taskDefinition.arn}`);

  const appSpec =
    inputs.appSpecPath === undefined
      ? renderAppSpec(
          {
            taskDefinition: taskDefinition.arn,
            containerName: service.containerName,
            containerPort: service.containerPort,
            hooks: [],
          },
          'yaml',
        )
      : fillAppSpec(await readFile(inputs.appSpecPath, 'utf8'), taskDefinition.arn);

  const image =
    taskDefinition.containers.find((container) => container.name === service.containerName)?.image ?? '';
  let record: { api: DeploymentsApi; id: number } | undefined;
  if (inputs.record) {
    const api = dependencies.deploymentsApi(inputs.record.token);
    const id = await api.create({
      ref: inputs.record.commit,
      environment: outputs.environment,
      description: `${inputs.service} ${taskDefinition.arn}`,
      payload: {
        services: { [inputs.service]: { taskDefinitionArn: taskDefinition.arn, image } },
        commit: inputs.record.commit,
      },
    });
    record = { api, id };
    core.setOutput('github-deployment-id', id);
    await api.setStatus(id, 'in_progress', {
      description: `Deploying ${inputs.service}`,
      ...optional('logUrl', runUrl()),
    });
  }

  let finish: Finish;
  try {
    finish = await createAndFollow(
      codedeploy,
      {
        applicationName: outputs.codeDeployApplication,
        deploymentGroupName: service.deploymentGroup,
        description: `${inputs.service} ${taskDefinition.arn.split('/').pop()} from ${process.env.GITHUB_SHA?.slice(0, 12) ?? 'local'}`,
        appSpec,
      },
      outputs.region,
      { timeoutMs: inputs.timeoutMs, atReady: inputs.stopAtReady ? 'return' : 'continue' },
      dependencies,
    );
  } catch (error) {
    // An AWS error part-way must not leave the GitHub Deployment in_progress forever.
    await record?.api.setStatus(record.id, 'error', {
      description: `Deploy step failed: ${(error as Error).message}`,
      ...optional('logUrl', runUrl()),
    });
    throw error;
  }
  const environmentUrl = inputs.environmentUrl ?? outputs.publicUrl;
  if (record) await record.api.setStatus(record.id, ...recordStatus(finish, environmentUrl));
  await writeSummary(`Deploy ${inputs.service} to ${outputs.environment}`, finish, [
    ['Task definition', taskDefinition.arn],
    ['Image', image],
    ...(finish.outcome === 'ready' ? [['Test listener', outputs.testListenerUrl]] : []),
  ]);
  if (finish.error !== undefined) throw new Error(finish.error);
  if (finish.outcome === 'ready') {
    core.info(
      `Deployment ${finish.deploymentId} is ready on ${outputs.testListenerUrl}; continue or stop it with deployment-id`,
    );
  }
}

async function createAndFollow(
  codedeploy: CodeDeployClient,
  request: { applicationName: string; deploymentGroupName: string; description: string; appSpec: string },
  region: string,
  options: Parameters<typeof follow>[3],
  dependencies: Dependencies,
): Promise<Finish> {
  const created = await awsCall('CodeDeploy CreateDeployment', () =>
    codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: request.applicationName,
        deploymentGroupName: request.deploymentGroupName,
        description: request.description,
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: {
            content: request.appSpec,
            sha256: createHash('sha256').update(request.appSpec).digest('hex'),
          },
        },
      }),
    ),
  );
  const deploymentId = created.deploymentId;
  if (deploymentId === undefined) throw new Error('CodeDeploy CreateDeployment returned no deployment id');
  core.setOutput('deployment-id', deploymentId);
  core.info(`Created deployment ${deploymentId}`);
  return follow(codedeploy, deploymentId, region, options, dependencies);
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

interface Finish extends WaitResult {
  readonly deploymentId: string;
  /** Set when the step must fail. */
  readonly error: string | undefined;
}

function recordStatus(
  finish: Finish,
  environmentUrl: string,
): [DeploymentState, { environmentUrl?: string; description: string; logUrl?: string }] {
  const logUrl = optional('logUrl', runUrl());
  if (finish.outcome === 'succeeded')
    return ['success', { environmentUrl, description: `Deployed (${finish.deploymentId})`, ...logUrl }];
  if (finish.outcome === 'ready')
    return ['in_progress', { description: `Ready on the test listener (${finish.deploymentId})`, ...logUrl }];
  return [
    'failure',
    { description: `${finish.outcome} (${finish.deploymentId}, ${finish.status})`, ...logUrl },
  ];
}

/**
 * Waits for the deployment with the job's cancellation wired in; on timeout or cancellation stops it
 * with rollback. While this runs, the saved state lets the post step stop a deployment left behind.
 */
async function follow(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  region: string,
  options: { readonly timeoutMs: number; readonly atReady: WaitOptions['atReady'] },
  { timing, onCancel }: Dependencies,
): Promise<Finish> {
  core.saveState(STATE.deploymentId, deploymentId);
  core.saveState(STATE.region, region);
  core.saveState(STATE.inFlight, 'true');
  const controller = new AbortController();
  let cancelReason = '';
  // Stays subscribed through StopDeployment, so a second signal cannot kill the step halfway.
  const unsubscribe = onCancel((reason) => {
    cancelReason = reason;
    core.warning(`${reason}: stopping deployment ${deploymentId} with rollback`);
    controller.abort();
  });
  try {
    const result = await waitForDeployment(
      codedeploy,
      deploymentId,
      {
        deadline: timing.now() + options.timeoutMs,
        atReady: options.atReady,
        signal: controller.signal,
        log: core.info,
      },
      timing,
    );
    if (result.outcome === 'timeout' || result.outcome === 'cancelled') {
      const stopped = await stopWithRollback(codedeploy, deploymentId);
      const status = (await getDeployment(codedeploy, deploymentId)).status ?? result.status;
      core.saveState(STATE.inFlight, 'false');
      core.setOutput('status', status);
      const why =
        result.outcome === 'timeout'
          ? `Deployment ${deploymentId} did not finish within ${options.timeoutMs / 60_000} minute(s)`
          : `${cancelReason}: deployment ${deploymentId} interrupted`;
      return { ...result, status, deploymentId, error: `${why}; ${stopped}` };
    }
    core.saveState(STATE.inFlight, 'false');
    core.setOutput('status', result.status);
    return { ...result, deploymentId, error: result.outcome === 'failed' ? result.failure : undefined };
  } finally {
    unsubscribe();
  }
}

/** Modes continue and stop act on a deployment created by an earlier stop-at-ready step. */
async function resume(mode: 'continue' | 'stop', dependencies: Dependencies): Promise<void> {
  const deploymentId = requiredInput('deployment-id');
  if (!DEPLOYMENT_ID.test(deploymentId)) {
    throw new InputError(
      'deployment-id',
      `is not a CodeDeploy deployment id like d-ABCDEF123 (got '${deploymentId}')`,
    );
  }
  const timeoutMs = integerInput('timeout-minutes', 30, 1, 360) * 60_000;
  const githubDeploymentId = githubDeploymentIdInput();
  const record = booleanInput('record-deployment', false) && githubDeploymentId !== undefined;
  const token = record ? requiredInput('github-token') : '';
  const hasSource =
    optionalInput('deploy-outputs-file') !== undefined || optionalInput('environment') !== undefined;
  const outputs: DeployOutputs | undefined = hasSource
    ? await loadDeployOutputs(deployOutputsSourceInput(), new SSMClient({}))
    : undefined;
  const region = outputs?.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region === undefined)
    throw new InputError('environment', 'is required to know the region (or set AWS_REGION)');
  const codedeploy = new CodeDeployClient({ region });
  core.setOutput('deployment-id', deploymentId);

  let finish: Finish;
  if (mode === 'continue') {
    await continueDeployment(codedeploy, deploymentId);
    core.info(`Continued deployment ${deploymentId}: shifting production traffic`);
    // Already continued: a Ready still reported right after that must not trigger a second ContinueDeployment.
    finish = await follow(codedeploy, deploymentId, region, { timeoutMs, atReady: 'wait' }, dependencies);
  } else {
    core.info(`Deployment ${deploymentId}: ${await stopWithRollback(codedeploy, deploymentId)}`);
    const result = await follow(
      codedeploy,
      deploymentId,
      region,
      { timeoutMs, atReady: 'wait' },
      dependencies,
    );
    const ended = result.status === 'Stopped' || result.status === 'Failed';
    finish = {
      ...result,
      error: ended
        ? undefined
        : result.status === 'Succeeded'
          ? `Deployment ${deploymentId} had already succeeded; StopDeployment cannot roll it back (deploy the previous task definition instead)`
          : (result.error ?? `Deployment ${deploymentId} is still ${result.status}`),
    };
  }
  if (record && githubDeploymentId !== undefined) {
    const api = dependencies.deploymentsApi(token);
    const state: DeploymentState =
      mode === 'continue' && finish.outcome === 'succeeded' ? 'success' : 'failure';
    await api.setStatus(githubDeploymentId, state, {
      description: `${mode === 'stop' ? 'Stopped' : finish.status} (${deploymentId})`,
      ...optional(
        'environmentUrl',
        state === 'success' ? (optionalInput('environment-url') ?? outputs?.publicUrl) : undefined,
      ),
      ...optional('logUrl', runUrl()),
    });
  }
  await writeSummary(`${mode === 'continue' ? 'Continue' : 'Stop'} deployment ${deploymentId}`, finish, []);
  if (finish.error !== undefined) throw new Error(finish.error);
}

async function findPrevious(dependencies: Dependencies): Promise<void> {
  const environment = environmentInput();
  if (environment === undefined) throw new InputError('environment', 'is required for find-previous');
  const service = serviceInput();
  const api = dependencies.deploymentsApi(requiredInput('github-token'));
  const { current, previous } = await findPreviousSuccessful(api, environment, service);
  await core.summary
    .addHeading(`Previous ${service} deployment in ${environment}`, 2)
    .addTable([
      ['', 'GitHub deployment', 'Task definition', 'Image'].map((data) => ({ data, header: true })),
      [
        'Current',
        String(current?.deploymentId ?? '-'),
        current?.taskDefinitionArn ?? '-',
        current?.image ?? '-',
      ],
      [
        'Previous',
        String(previous?.deploymentId ?? '-'),
        previous?.taskDefinitionArn ?? '-',
        previous?.image ?? '-',
      ],
    ])
    .write();
  if (previous === undefined) {
    throw new Error(
      `No earlier successful deployment of ${service} in ${environment} with a different task definition`,
    );
  }
  core.setOutput('previous-task-definition-arn', previous.taskDefinitionArn);
  core.info(
    `Previous successful ${service} task definition in ${environment}: ${previous.taskDefinitionArn}`,
  );
}

async function writeSummary(
  title: string,
  finish: Finish,
  rows: readonly (readonly string[])[],
): Promise<void> {
  const summary = core.summary
    .addHeading(title, 2)
    .addTable([
      [{ data: 'Deployment', header: true }, finish.deploymentId],
      [{ data: 'Status', header: true }, `${finish.status} (${finish.outcome})`],
      ...rows.map(([label = '', value = '']) => [{ data: label, header: true }, value]),
    ]);
  if (finish.error !== undefined) summary.addRaw(`<p><strong>Failed:</strong> ${finish.error}</p>`);
  await summary.write();
}
