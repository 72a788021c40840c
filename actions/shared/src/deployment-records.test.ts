import { getOctokit } from '@actions/github';
import {
  DEPLOYMENTS_PAGE_SIZE,
  type DeploymentsApi,
  findPreviousSuccessful,
  githubDeploymentsApi,
  serviceRecordOf,
} from './deployment-records';
import { FakeGitHub } from './testing/fake-github';

const record = (id: number, arn: string) => ({
  id,
  payload: { services: { backend: { taskDefinitionArn: arn, image: `img-${id}` } } },
});

function api(deployments: { id: number; payload: unknown }[], states: Record<number, string>) {
  const pages: number[] = [];
  const fake: DeploymentsApi = {
    create: async () => {
      throw new Error('not expected');
    },
    setStatus: async () => {
      throw new Error('not expected');
    },
    list: async (_environment, page) => {
      pages.push(page);
      return deployments.slice((page - 1) * DEPLOYMENTS_PAGE_SIZE, page * DEPLOYMENTS_PAGE_SIZE);
    },
    outcome: async (id) => states[id],
  };
  return { fake, pages };
}

describe('findPreviousSuccessful', () => {
  it('pages on until it finds a successful record with another task definition', async () => {
    const many = Array.from({ length: DEPLOYMENTS_PAGE_SIZE + 5 }, (_, index) =>
      record(1000 - index, 'arn:current'),
    );
    many.push(record(1, 'arn:previous'));
    const states = Object.fromEntries(many.map((entry) => [entry.id, 'success']));
    const { fake, pages } = api(many, states);
    const result = await findPreviousSuccessful(fake, 'prod', 'backend');
    expect(result.current?.deploymentId).toBe(1000);
    expect(result.previous).toEqual({ deploymentId: 1, taskDefinitionArn: 'arn:previous', image: 'img-1' });
    expect(pages).toEqual([1, 2]);
  });

  it('reads past ten pages, asking for the status only of records that could be the answer', async () => {
    const many = Array.from({ length: 11 * DEPLOYMENTS_PAGE_SIZE + 5 }, (_, index) =>
      record(5000 - index, 'arn:current'),
    );
    many.push(record(1, 'arn:previous'));
    const asked: number[] = [];
    const states = Object.fromEntries(many.map((entry) => [entry.id, 'success']));
    const { fake, pages } = api(many, states);
    const outcome = fake.outcome;
    fake.outcome = (id) => {
      asked.push(id);
      return outcome(id);
    };
    const result = await findPreviousSuccessful(fake, 'staging', 'backend');
    expect(result.previous?.deploymentId).toBe(1);
    expect(pages).toHaveLength(12);
    expect(asked).toEqual([5000, 1]);
  });

  it('skips records that are not successful or do not name the service, and stops at the last page', async () => {
    const { fake, pages } = api(
      [
        record(5, 'arn:a'),
        { id: 4, payload: { services: { frontend: { taskDefinitionArn: 'arn:f' } } } },
        record(3, 'arn:b'),
        record(2, 'arn:c'),
      ],
      { 5: 'success', 4: 'success', 3: 'failure', 2: 'inactive' },
    );
    expect(await findPreviousSuccessful(fake, 'prod', 'backend')).toEqual({
      current: { deploymentId: 5, taskDefinitionArn: 'arn:a', image: 'img-5' },
      previous: undefined,
    });
    expect(pages).toEqual([1]);
  });
});

describe('findPreviousSuccessful against the REST API (Octokit and a model of GitHub)', () => {
  let github: FakeGitHub;
  let api: DeploymentsApi;
  beforeEach(async () => {
    github = new FakeGitHub();
    const baseUrl = await github.start();
    api = githubDeploymentsApi(getOctokit('test-token', { baseUrl }), { owner: 'acme', repo: 'ragchat' });
  });
  afterEach(() => github.stop());

  const release = async (environment: string, arn: string) => {
    const id = await api.create({
      ref: 'a'.repeat(40),
      environment,
      description: arn,
      payload: {
        services: { backend: { taskDefinitionArn: arn, image: `img-${arn}` } },
        commit: 'a'.repeat(40),
      },
    });
    await api.setStatus(id, 'in_progress', { description: 'deploying' });
    await api.setStatus(id, 'success', { description: 'deployed', environmentUrl: 'https://x' });
    return id;
  };

  it.each(['staging', 'prod'])(
    'finds the previous release in %s after two successful deploys',
    async (env) => {
      const first = await release(env, 'arn:1');
      const second = await release(env, 'arn:2');
      const result = await findPreviousSuccessful(api, env, 'backend');
      expect(result.current?.deploymentId).toBe(second);
      expect(result.previous?.deploymentId).toBe(first);
    },
  );

  it('keeps earlier successes in staging active (auto_inactive false)', async () => {
    await release('staging', 'arn:1');
    await release('staging', 'arn:2');
    expect(github.deployments.map((d) => d.statuses[0]?.state)).toEqual(['success', 'success']);
  });

  it('still counts a success that GitHub later marked inactive (records written before this fix)', async () => {
    github.deployments.push({
      id: 7,
      environment: 'staging',
      payload: { services: { backend: { taskDefinitionArn: 'arn:old' } } },
      statuses: [{ state: 'inactive' }, { state: 'success' }, { state: 'in_progress' }],
    });
    const current = await release('staging', 'arn:new');
    const result = await findPreviousSuccessful(api, 'staging', 'backend');
    expect(result.current?.deploymentId).toBe(current);
    expect(result.previous?.taskDefinitionArn).toBe('arn:old');
  });
});

describe('serviceRecordOf', () => {
  it('reads payloads that GitHub returns as JSON strings and ignores broken ones', () => {
    expect(
      serviceRecordOf({ id: 1, payload: JSON.stringify(record(1, 'arn:x').payload) }, 'backend')
        ?.taskDefinitionArn,
    ).toBe('arn:x');
    expect(serviceRecordOf({ id: 1, payload: '{not json' }, 'backend')).toBeUndefined();
    expect(serviceRecordOf({ id: 1, payload: null }, 'backend')).toBeUndefined();
  });
});
