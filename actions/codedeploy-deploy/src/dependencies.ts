import { context, getOctokit } from '@actions/github';
import { type DeploymentsApi, githubDeploymentsApi } from '../../shared/src/deployment-records';
import { realTiming, type Timing } from '../../shared/src/timing';

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
