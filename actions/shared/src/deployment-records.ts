import type { getOctokit } from '@actions/github';

/** Payload of a GitHub Deployment (docs/deploy-contract.md, "Deployment records"). */
export interface DeploymentPayload {
  readonly services: Readonly<Record<string, { readonly taskDefinitionArn: string; readonly image: string }>>;
  readonly commit: string;
  /** The workflow run (GITHUB_RUN_ID) that deployed it. */
  readonly run?: string;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface DeploymentSummary {
  readonly id: number;
  readonly payload: unknown;
}

/** The slice of the GitHub Deployments API the actions use; tests substitute a fake. */
export interface DeploymentsApi {
  create(input: {
    readonly ref: string;
    readonly environment: string;
    readonly payload: DeploymentPayload;
    readonly description: string;
  }): Promise<number>;
  setStatus(
    id: number,
    state: DeploymentState,
    details: { readonly environmentUrl?: string; readonly logUrl?: string; readonly description: string },
  ): Promise<void>;
  /** One page of an environment's deployments, newest first. */
  list(environment: string, page: number): Promise<DeploymentSummary[]>;
  /**
   * State of the newest status of a deployment other than `inactive`. GitHub adds `inactive` only to
   * deployments that had succeeded, so an inactive release still counts as a successful one.
   */
  outcome(id: number): Promise<string | undefined>;
}

type Octokit = ReturnType<typeof getOctokit>;
export const DEPLOYMENTS_PAGE_SIZE = 100;

export function githubDeploymentsApi(
  octokit: Octokit,
  repo: { owner: string; repo: string },
): DeploymentsApi {
  const github = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw new Error(`GitHub ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    async create({ ref, environment, payload, description }) {
      const response = await github('create deployment', () =>
        octokit.rest.repos.createDeployment({
          ...repo,
          ref,
          environment,
          description,
          // The payload is the record itself; the commit was already tested by the workflow.
          payload: payload as unknown as Record<string, unknown>,
          auto_merge: false,
          required_contexts: [],
          production_environment: environment === 'prod',
          transient_environment: environment.startsWith('preview/'),
        }),
      );
      if (!('id' in response.data)) throw new Error(`GitHub create deployment: ${response.data.message}`);
      return response.data.id;
    },
    async setStatus(id, state, details) {
      await github('create deployment status', () =>
        octokit.rest.repos.createDeploymentStatus({
          ...repo,
          deployment_id: id,
          state,
          // By default a success marks every earlier successful non-production deployment of the
          // environment inactive (staging, dev), and "roll back to previous" would find none.
          auto_inactive: false,
          description: details.description.slice(0, 140),
          ...(details.environmentUrl === undefined ? {} : { environment_url: details.environmentUrl }),
          ...(details.logUrl === undefined ? {} : { log_url: details.logUrl }),
        }),
      );
    },
    async list(environment, page) {
      const response = await github('list deployments', () =>
        octokit.rest.repos.listDeployments({ ...repo, environment, per_page: DEPLOYMENTS_PAGE_SIZE, page }),
      );
      return response.data.map((deployment) => ({ id: deployment.id, payload: deployment.payload }));
    },
    async outcome(id) {
      // Newest first; a deployment carries a handful of statuses (in_progress, the result, inactive).
      const response = await github('list deployment statuses', () =>
        octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id, per_page: 100 }),
      );
      return response.data.find((status) => status.state !== 'inactive')?.state;
    },
  };
}

export interface ServiceRecord {
  readonly deploymentId: number;
  readonly taskDefinitionArn: string;
  readonly image: string;
  /** The deployed commit, when the record names one. */
  readonly commit?: string;
}

/** A record's payload, which GitHub may return as an object or as a JSON string. */
function payloadOf(deployment: DeploymentSummary): Partial<Record<keyof DeploymentPayload, unknown>> {
  let payload = deployment.payload;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      return {};
    }
  }
  return typeof payload === 'object' && payload !== null ? payload : {};
}

/** The service's entry in a payload. */
export function serviceRecordOf(deployment: DeploymentSummary, service: string): ServiceRecord | undefined {
  const payload = payloadOf(deployment);
  const entry = (payload.services as Record<string, unknown> | undefined)?.[service] as
    | { taskDefinitionArn?: unknown; image?: unknown }
    | undefined;
  if (typeof entry?.taskDefinitionArn !== 'string') return undefined;
  return {
    deploymentId: deployment.id,
    taskDefinitionArn: entry.taskDefinitionArn,
    image: typeof entry.image === 'string' ? entry.image : '',
    ...(typeof payload.commit === 'string' ? { commit: payload.commit } : {}),
  };
}

/**
 * The commit of the environment's last release: that of its newest service record, whatever its
 * outcome (a release stopped half-way is still the last release), not counting the records of
 * `ownRun` (a rollback run's own redeploys are not the release it rolls back).
 */
export async function lastReleaseCommit(
  api: DeploymentsApi,
  environment: string,
  ownRun: string,
): Promise<string | undefined> {
  for (let page = 1; ; page++) {
    const deployments = await api.list(environment, page);
    for (const deployment of deployments) {
      const payload = payloadOf(deployment);
      if (typeof payload.commit !== 'string' || typeof payload.services !== 'object') continue;
      if (payload.run !== undefined && payload.run === ownRun) continue;
      return payload.commit;
    }
    if (deployments.length < DEPLOYMENTS_PAGE_SIZE) return undefined;
  }
}

/**
 * The current (newest successful) record of a service in an environment and the previous one: the
 * next older successful record with a different task definition (re-deploys of the same revision
 * are not a rollback target). Pages on to the end of the history: there is no page cap, because
 * the statuses, one request each, are read only for records that could be the answer (never for
 * the other service's records or for re-deploys of the current revision).
 */
export async function findPreviousSuccessful(
  api: DeploymentsApi,
  environment: string,
  service: string,
): Promise<{ current: ServiceRecord | undefined; previous: ServiceRecord | undefined }> {
  let current: ServiceRecord | undefined;
  for (let page = 1; ; page++) {
    const deployments = await api.list(environment, page);
    for (const deployment of deployments) {
      const record = serviceRecordOf(deployment, service);
      if (record === undefined || record.taskDefinitionArn === current?.taskDefinitionArn) continue;
      if ((await api.outcome(deployment.id)) !== 'success') continue;
      if (current === undefined) current = record;
      else return { current, previous: record };
    }
    if (deployments.length < DEPLOYMENTS_PAGE_SIZE) return { current, previous: undefined };
  }
}
