import * as core from '@actions/core';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { escapeHtml } from '../../shared/src/html';
import type { Timing } from '../../shared/src/timing';
import type { Dependencies } from './dependencies';
import {
  getDeployment,
  stopWithRollback,
  type WaitOptions,
  type WaitResult,
  waitForDeployment,
} from './deployment';
import { STATE } from './state';

export interface Finish extends WaitResult {
  readonly deploymentId: string;
  /** Set when the step must fail. */
  readonly error: string | undefined;
}

/** Job cancellation, watched for a whole mode so that a signal before the deployment exists is not lost. */
export interface Cancellation {
  readonly signal: AbortSignal;
  readonly reason: () => string;
  readonly dispose: () => void;
}

/** Subscribes to cancellation; the subscription lasts through StopDeployment, so a second signal cannot kill the step halfway. */
export function watchCancellation(onCancel: Dependencies['onCancel']): Cancellation {
  const controller = new AbortController();
  let reason = '';
  const dispose = onCancel((why) => {
    reason = why;
    controller.abort();
  });
  return { signal: controller.signal, reason: () => reason, dispose };
}

/** Fails before a deployment is created or continued when the job is already being cancelled. */
export function throwIfCancelled(cancellation: Cancellation, operation: string): void {
  if (cancellation.signal.aborted)
    throw new Error(`${cancellation.reason()} before ${operation}; nothing was started`);
}

/**
 * Waits for the deployment with the job's cancellation wired in; on timeout or cancellation stops it
 * with rollback. While this runs, the saved state lets the post step stop a deployment left behind.
 */
export async function follow(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  region: string,
  options: { readonly timeoutMs: number; readonly atReady: WaitOptions['atReady'] },
  timing: Timing,
  cancellation: Cancellation,
): Promise<Finish> {
  core.saveState(STATE.deploymentId, deploymentId);
  core.saveState(STATE.region, region);
  core.saveState(STATE.inFlight, 'true');
  const result = await waitForDeployment(
    codedeploy,
    deploymentId,
    {
      deadline: timing.now() + options.timeoutMs,
      atReady: options.atReady,
      signal: cancellation.signal,
      log: core.info,
    },
    timing,
  );
  if (result.outcome === 'cancelled') {
    core.warning(`${cancellation.reason()}: stopping deployment ${deploymentId} with rollback`);
  }
  if (result.outcome === 'timeout' || result.outcome === 'cancelled') {
    const stopped = await stopWithRollback(codedeploy, deploymentId);
    const status = (await getDeployment(codedeploy, deploymentId)).status ?? result.status;
    core.saveState(STATE.inFlight, 'false');
    core.setOutput('status', status);
    const why =
      result.outcome === 'timeout'
        ? `Deployment ${deploymentId} did not finish within ${options.timeoutMs / 60_000} minute(s)`
        : `${cancellation.reason()}: deployment ${deploymentId} interrupted`;
    return { ...result, status, deploymentId, error: `${why}; ${stopped}` };
  }
  // A deployment left waiting at Ready is still in flight: should the job end (cancel, timeout)
  // before a later step continues or stops it, the post step stops it instead of leaving it parked.
  core.saveState(STATE.inFlight, result.outcome === 'ready' ? 'true' : 'false');
  core.setOutput('status', result.status);
  return { ...result, deploymentId, error: result.outcome === 'failed' ? result.failure : undefined };
}

export async function writeSummary(
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
  if (finish.error !== undefined)
    summary.addRaw(`<p><strong>Failed:</strong> ${escapeHtml(finish.error)}</p>`);
  await summary.write();
}

export function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = process.env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

export const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
