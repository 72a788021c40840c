/** The event that starts a workflow run, with the payload GitHub would send. */
export interface TriggerEvent {
  readonly name: 'push' | 'pull_request' | 'workflow_dispatch';
  readonly ref: string;
  readonly sha: string;
  readonly actor: string;
  readonly payload: Record<string, unknown>;
  readonly headRef?: string;
  readonly baseRef?: string;
}

export function pushEvent(
  repository: string,
  sha: string,
  before = '0'.repeat(40),
  ref = 'refs/heads/main',
): TriggerEvent {
  return {
    name: 'push',
    ref,
    sha,
    actor: 'maintainer',
    payload: {
      ref,
      before,
      after: sha,
      repository: {
        full_name: repository,
        name: repository.split('/')[1],
        owner: { login: repository.split('/')[0] },
      },
      head_commit: { id: sha, message: `commit ${sha.slice(0, 7)}` },
      pusher: { name: 'maintainer' },
    },
  };
}

export interface PullRequest {
  readonly number: number;
  readonly headSha: string;
  readonly baseSha: string;
  readonly headRef?: string;
  /** Repository the head branch lives in; another one means a fork. */
  readonly headRepository?: string;
  readonly actor?: string;
}

/** Activity types of the pull_request event (a subset of GitHub's). */
export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'closed' | 'edited' | 'labeled';

export function pullRequestEvent(
  repository: string,
  action: PullRequestAction,
  pr: PullRequest,
): TriggerEvent {
  const headRepository = pr.headRepository ?? repository;
  const headRef = pr.headRef ?? `feature-${pr.number}`;
  return {
    name: 'pull_request',
    ref: `refs/pull/${pr.number}/merge`,
    // GitHub runs pull_request workflows on the test merge commit; the model derives one.
    sha: `${pr.headSha.slice(0, 20)}${pr.baseSha.slice(0, 20)}`,
    actor: pr.actor ?? 'contributor',
    headRef,
    baseRef: 'main',
    payload: {
      action,
      number: pr.number,
      pull_request: {
        number: pr.number,
        state: action === 'closed' ? 'closed' : 'open',
        head: {
          sha: pr.headSha,
          ref: headRef,
          repo: { full_name: headRepository, fork: headRepository !== repository },
        },
        base: { sha: pr.baseSha, ref: 'main', repo: { full_name: repository } },
      },
      repository: {
        full_name: repository,
        name: repository.split('/')[1],
        owner: { login: repository.split('/')[0] },
      },
    },
  };
}

export function dispatchEvent(repository: string, sha: string, inputs: Record<string, string>): TriggerEvent {
  return {
    name: 'workflow_dispatch',
    ref: 'refs/heads/main',
    sha,
    actor: 'operator',
    payload: { inputs, ref: 'refs/heads/main', repository: { full_name: repository } },
  };
}
