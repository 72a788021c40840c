import * as core from '@actions/core';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DeployOutputsDocument } from '@ragchat/infra/deploy-contract';
import { deployOutputsSourceInput, loadDeployOutputs } from '../../shared/src/deploy-outputs';
import type { DeploymentState } from '../../shared/src/deployment-records';
import {
  booleanInput,
  InputError,
  integerInput,
  optionalInput,
  requiredInput,
} from '../../shared/src/inputs';
import type { Dependencies } from './dependencies';
import { continueDeployment, getDeployment, stopWithRollback, waitForDeployment } from './deployment';
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

const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

function githubDeploymentIdInput(): number | undefined {
  const raw = optionalInput('github-deployment-id');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new InputError('github-deployment-id', `must be a number (got '${raw}')`);
  return Number(raw);
}

/** Modes continue and stop act on a deployment created by an earlier stop-at-ready step. */
export async function resume(mode: 'continue' | 'stop', dependencies: Dependencies): Promise<void> {
  const cancellation = watchCancellation(dependencies.onCancel);
  try {
    await resumeWatched(mode, dependencies, cancellation);
  } finally {
    cancellation.dispose();
  }
}

async function resumeWatched(
  mode: 'continue' | 'stop',
  dependencies: Dependencies,
  cancellation: Cancellation,
): Promise<void> {
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
  const outputs: DeployOutputsDocument | undefined = hasSource
    ? await loadDeployOutputs(deployOutputsSourceInput(), new SSMClient({}))
    : undefined;
  const region = outputs?.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region === undefined)
    throw new InputError('environment', 'is required to know the region (or set AWS_REGION)');
  const codedeploy = new CodeDeployClient({ region });
  core.setOutput('deployment-id', deploymentId);

  let finish: Finish;
  if (mode === 'continue') {
    throwIfCancelled(cancellation, 'ContinueDeployment');
    await continueDeployment(codedeploy, deploymentId);
    core.info(`Continued deployment ${deploymentId}: shifting production traffic`);
    // Already continued: a Ready still reported right after that must not trigger a second ContinueDeployment.
    finish = await follow(
      codedeploy,
      deploymentId,
      region,
      { timeoutMs, atReady: 'wait' },
      dependencies.timing,
      cancellation,
    );
  } else {
    core.info(`Deployment ${deploymentId}: ${await stopWithRollback(codedeploy, deploymentId)}`);
    const result = await follow(
      codedeploy,
      deploymentId,
      region,
      { timeoutMs, atReady: 'wait' },
      dependencies.timing,
      cancellation,
    );
    const ended = result.status === 'Stopped' || result.status === 'Failed';
    finish = {
      ...result,
      error: ended
        ? await waitForRollbackDeployment(codedeploy, deploymentId, timeoutMs, dependencies, cancellation)
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

/**
 * A stop with rollback may start a rollback deployment of its own (rollbackInfo.rollbackDeploymentId).
 * CodeDeploy runs one deployment per group at a time, so the stop is done only once that one has
 * ended: a deployment created earlier (rollback.yml redeploying) would be refused. Never stopped
 * here, even on timeout: it is what puts the last good version back. Returns the error, if any.
 */
async function waitForRollbackDeployment(
  codedeploy: CodeDeployClient,
  stoppedId: string,
  timeoutMs: number,
  dependencies: Dependencies,
  cancellation: Cancellation,
): Promise<string | undefined> {
  const rollbackId = (await getDeployment(codedeploy, stoppedId)).rollbackInfo?.rollbackDeploymentId;
  if (rollbackId === undefined) return undefined;
  core.setOutput('rollback-deployment-id', rollbackId);
  core.info(`Stopping ${stoppedId} started rollback deployment ${rollbackId}; waiting for it to end`);
  const result = await waitForDeployment(
    codedeploy,
    rollbackId,
    {
      deadline: dependencies.timing.now() + timeoutMs,
      atReady: 'wait',
      signal: cancellation.signal,
      log: core.info,
    },
    dependencies.timing,
  );
  if (result.outcome === 'succeeded') return undefined;
  return `Rollback deployment ${rollbackId} (started by stopping ${stoppedId}) ended ${result.outcome} (${result.status})${result.failure ? `: ${result.failure}` : ''}`;
}
