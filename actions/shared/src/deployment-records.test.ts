import {
  DEPLOYMENTS_PAGE_SIZE,
  type DeploymentsApi,
  findPreviousSuccessful,
  serviceRecordOf,
} from './deployment-records';

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
    latestState: async (id) => states[id],
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
