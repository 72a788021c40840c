import {
  type CodeDeployClient,
  ContinueDeploymentCommand,
  type DeploymentInfo,
  type DeploymentTarget,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { awsCall, isAwsError } from '../../shared/src/aws-error';
import { type Backoff, backoffDelay, type Timing } from '../../shared/src/timing';
import { ProgressLog } from './progress';

export const POLL_BACKOFF: Backoff = { initialMs: 5_000, maxMs: 15_000, factor: 1.5 };
const FINAL_STATUSES = ['Succeeded', 'Failed', 'Stopped'];

export type Outcome = 'succeeded' | 'ready' | 'failed' | 'timeout' | 'cancelled';

export interface WaitResult {
  readonly outcome: Outcome;
  readonly status: string;
  /** Why the deployment failed: errorInformation, rollback and the failing lifecycle hook. */
  readonly failure: string | undefined;
}

export interface WaitOptions {
  readonly deadline: number;
  /**
   * What to do when the deployment is Ready (replacement serving the test listener): return
   * (stop-at-ready), continue it (ContinueDeployment), or keep waiting (a stop is under way).
   */
  readonly atReady: 'return' | 'continue' | 'wait';
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

export async function getDeployment(
  codedeploy: CodeDeployClient,
  deploymentId: string,
): Promise<DeploymentInfo> {
  const response = await awsCall(`CodeDeploy GetDeployment ${deploymentId}`, () =>
    codedeploy.send(new GetDeploymentCommand({ deploymentId })),
  );
  if (response.deploymentInfo === undefined)
    throw new Error(`CodeDeploy GetDeployment ${deploymentId} returned nothing`);
  return response.deploymentInfo;
}

async function getTargets(codedeploy: CodeDeployClient, deploymentId: string): Promise<DeploymentTarget[]> {
  const targets: DeploymentTarget[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall('CodeDeploy ListDeploymentTargets', () =>
      codedeploy.send(
        new ListDeploymentTargetsCommand({ deploymentId, ...(nextToken ? { nextToken } : {}) }),
      ),
    );
    for (const targetId of page.targetIds ?? []) {
      const response = await awsCall('CodeDeploy GetDeploymentTarget', () =>
        codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId })),
      );
      if (response.deploymentTarget) targets.push(response.deploymentTarget);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return targets;
}

/** A deployment CodeDeploy rolled back is a failure even when some status says otherwise. */
export function describeFailure(info: DeploymentInfo, progress: ProgressLog | undefined): string {
  const parts = [`Deployment ${info.deploymentId} ended ${info.status}`];
  if (info.errorInformation?.code || info.errorInformation?.message) {
    parts.push(`error ${info.errorInformation.code ?? ''}: ${info.errorInformation.message ?? ''}`.trim());
  }
  const hook = progress?.failedHook();
  if (hook) {
    const diagnostics = hook.diagnostics;
    parts.push(
      `failing lifecycle hook ${hook.lifecycleEventName}` +
        (diagnostics
          ? `: ${[diagnostics.errorCode, diagnostics.scriptName, diagnostics.message].filter(Boolean).join(' ')}`
          : ''),
    );
    if (diagnostics?.logTail) parts.push(`log tail: ${diagnostics.logTail}`);
  }
  const rollback = info.rollbackInfo;
  if (rollback?.rollbackDeploymentId) parts.push(`rolled back by ${rollback.rollbackDeploymentId}`);
  if (rollback?.rollbackMessage) parts.push(rollback.rollbackMessage);
  return parts.join('; ');
}

/**
 * Polls the deployment until it ends, is ready (when stopping at ready), times out or is cancelled,
 * logging status, lifecycle events and traffic shifting as they change. A Ready deployment that should
 * not stop there is continued, so groups configured to wait for ready still finish on their own.
 */
export async function waitForDeployment(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  options: WaitOptions,
  timing: Timing,
): Promise<WaitResult> {
  const progress = new ProgressLog(options.log);
  let lastStatus = '';
  let continued = false;
  for (let attempt = 0; ; attempt++) {
    const info = await getDeployment(codedeploy, deploymentId);
    const status = info.status ?? 'Unknown';
    if (status !== lastStatus) {
      options.log(`Deployment ${deploymentId}: ${status}`);
      lastStatus = status;
    }
    if (info.computePlatform === 'ECS') progress.update(await getTargets(codedeploy, deploymentId));
    if (FINAL_STATUSES.includes(status)) {
      const rolledBack = info.rollbackInfo?.rollbackDeploymentId !== undefined;
      if (status === 'Succeeded' && !rolledBack) return { outcome: 'succeeded', status, failure: undefined };
      return { outcome: 'failed', status, failure: describeFailure(info, progress) };
    }
    if (status === 'Ready') {
      if (options.atReady === 'return') return { outcome: 'ready', status, failure: undefined };
      if (options.atReady === 'continue' && !continued) {
        await continueDeployment(codedeploy, deploymentId);
        options.log('Replacement task set is ready; continued the deployment (ContinueDeployment)');
        continued = true;
      }
    }
    if (options.signal.aborted) return { outcome: 'cancelled', status, failure: undefined };
    const remaining = options.deadline - timing.now();
    if (remaining <= 0) return { outcome: 'timeout', status, failure: undefined };
    await timing.sleep(Math.min(backoffDelay(attempt, POLL_BACKOFF), remaining), options.signal);
    if (options.signal.aborted) return { outcome: 'cancelled', status, failure: undefined };
  }
}

export async function continueDeployment(codedeploy: CodeDeployClient, deploymentId: string): Promise<void> {
  await awsCall(`CodeDeploy ContinueDeployment ${deploymentId}`, () =>
    codedeploy.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' })),
  );
}

/** Stops with auto-rollback; a deployment that already ended is reported, not treated as an error. */
export async function stopWithRollback(codedeploy: CodeDeployClient, deploymentId: string): Promise<string> {
  try {
    const response = await awsCall(`CodeDeploy StopDeployment ${deploymentId}`, () =>
      codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true })),
    );
    return `stop requested with rollback (${response.status ?? 'unknown'}${response.statusMessage ? `: ${response.statusMessage}` : ''})`;
  } catch (error) {
    if (isAwsError(error, 'DeploymentAlreadyCompletedException')) return 'it had already completed';
    throw error;
  }
}

export function isFinal(status: string | undefined): boolean {
  return status !== undefined && FINAL_STATUSES.includes(status);
}
