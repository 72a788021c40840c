import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
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
  deployOutputsSourceInput,
  loadDeployOutputs,
  serviceInput,
  serviceOutputs,
} from '../../shared/src/deploy-outputs';
import type { DeploymentState, DeploymentsApi } from '../../shared/src/deployment-records';
import {
  booleanInput,
  InputError,
  integerInput,
  optionalInput,
  requiredInput,
} from '../../shared/src/inputs';
import type { Timing } from '../../shared/src/timing';
import type { Dependencies } from './dependencies';
import {
  type Cancellation,
  type Finish,
  follow,
  optional,
  runUrl,
  throwIfCancelled,
  watchCancellation,
  writeSummary,
} from './follow';
import { describeTaskDefinition, registerTaskDefinition } from './task-definition';

const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/;

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

export async function deploy(dependencies: Dependencies): Promise<void> {
  const cancellation = watchCancellation(dependencies.onCancel);
  try {
    await deployWatched(dependencies, cancellation);
  } finally {
    cancellation.dispose();
  }
}

async function deployWatched(dependencies: Dependencies, cancellation: Cancellation): Promise<void> {
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
            capacityProviderStrategy: service.capacityProviderStrategy,
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
        ...optional('run', process.env.GITHUB_RUN_ID),
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
      dependencies.timing,
      cancellation,
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
  timing: Timing,
  cancellation: Cancellation,
): Promise<Finish> {
  throwIfCancelled(cancellation, 'CreateDeployment');
  const created = await awsCall('CodeDeploy CreateDeployment', () =>
    codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: request.applicationName,
        deploymentGroupName: request.deploymentGroupName,
        description: request.description,
        // Roll back on failure, alarm or stop even if the deployment group were configured otherwise.
        autoRollbackConfiguration: {
          enabled: true,
          events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
        },
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
  return follow(codedeploy, deploymentId, region, options, timing, cancellation);
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
