import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type FakeAws, fakeAws } from './fake-aws';
import { COMPOSITE_ACTIONS_DIR, isRecord, parseYaml, SCRIPTS_DIR, stepsOf } from './workflow-files';

const RESOLVE = join(SCRIPTS_DIR, 'resolve-rollback-target.sh');
const DELETE_IMAGES = join(SCRIPTS_DIR, 'delete-pr-images.sh');
const FIND_IN_FLIGHT = join(SCRIPTS_DIR, 'find-in-flight-deployment.sh');

const REPOSITORY_URI = '111122223333.dkr.ecr.us-east-1.amazonaws.com/ragchat/backend';
const DEPLOY_OUTPUTS = JSON.stringify({
  codeDeployApplication: 'ragchat-prod',
  services: {
    backend: {
      taskFamily: 'ragchat-prod-backend',
      repositoryUri: REPOSITORY_URI,
      deploymentGroup: 'ragchat-prod-backend',
    },
    frontend: {
      taskFamily: 'ragchat-prod-frontend',
      repositoryUri: '111122223333.dkr.ecr.us-east-1.amazonaws.com/ragchat/frontend',
    },
  },
});
const ARN = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:111122223333:task-definition/${family}:${revision}`;
const DIGEST = `sha256:${'c'.repeat(64)}`;
const COMMIT = 'a'.repeat(40);

let aws: FakeAws;
beforeEach(() => {
  aws = fakeAws();
});
afterEach(() => aws.cleanup());

describe('resolve-rollback-target.sh', () => {
  const resolve = (env: Record<string, string>) =>
    aws.run(RESOLVE, [], { ENVIRONMENT: 'prod', SERVICE: 'backend', TARGET: '', ...env });

  beforeEach(() => aws.respond('ssm', 'get-parameter', DEPLOY_OUTPUTS));

  it('checks the previous task definition exists and hands its ARN on', () => {
    aws.respond('ecs', 'describe-task-definition', ARN('ragchat-prod-backend', 41));
    const result = resolve({
      KIND: 'previous',
      PREVIOUS_TASK_DEFINITION_ARN: ARN('ragchat-prod-backend', 41),
    });
    expect(result.status).toBe(0);
    expect(result.outputs).toBe(`task-definition-arn=${ARN('ragchat-prod-backend', 41)}\n`);
    expect(aws.calls()).toContain(
      `ecs describe-task-definition --task-definition ${ARN('ragchat-prod-backend', 41)} --query taskDefinition.taskDefinitionArn --output text`,
    );
  });

  it('turns family:revision into the full ARN', () => {
    aws.respond('ecs', 'describe-task-definition', ARN('ragchat-prod-backend', 7));
    const result = resolve({ KIND: 'task-definition', TARGET: 'ragchat-prod-backend:7' });
    expect(result.outputs).toBe(`task-definition-arn=${ARN('ragchat-prod-backend', 7)}\n`);
  });

  it("refuses another service's task definition", () => {
    aws.respond('ecs', 'describe-task-definition', ARN('ragchat-prod-frontend', 3));
    const result = resolve({ KIND: 'task-definition', TARGET: ARN('ragchat-prod-frontend', 3) });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      `::error title=Rollback target rejected::task definition ${ARN('ragchat-prod-frontend', 3)} is not of backend's family ragchat-prod-backend`,
    );
    expect(result.outputs).toBe('');
  });

  it('fails clearly when there is no previous deployment or the task definition is missing', () => {
    expect(resolve({ KIND: 'previous' })).toMatchObject({ status: 1, outputs: '' });
    expect(resolve({ KIND: 'previous' }).stdout).toContain(
      'no previous successful deployment of backend in prod',
    );
    aws.fail('ecs', 'describe-task-definition');
    const missing = resolve({ KIND: 'task-definition', TARGET: 'ragchat-prod-backend:999' });
    expect(missing).toMatchObject({ status: 1, outputs: '' });
    expect(missing.stdout).toContain('task definition ragchat-prod-backend:999 does not exist');
  });

  it('pins an image digest to the service repository after checking it is there', () => {
    aws.respond('ecr', 'describe-images', DIGEST);
    const result = resolve({ KIND: 'image-digest', TARGET: DIGEST });
    expect(result.outputs).toBe(`image=${REPOSITORY_URI}@${DIGEST}\n`);
    expect(aws.calls()).toContain(
      `ecr describe-images --repository-name ragchat/backend --image-ids imageDigest=${DIGEST} --query imageDetails[0].imageDigest --output text`,
    );
  });

  it('finds the image a commit built by its tag', () => {
    aws.respond('ecr', 'describe-images', DIGEST);
    const result = resolve({ KIND: 'commit', TARGET: COMMIT });
    expect(result.outputs).toBe(`image=${REPOSITORY_URI}@${DIGEST}\n`);
    expect(aws.calls().some((call) => call.includes(`--image-ids imageTag=${COMMIT}`))).toBe(true);
  });

  it('fails when no image was built from the commit', () => {
    aws.fail('ecr', 'describe-images');
    const result = resolve({ KIND: 'commit', TARGET: COMMIT });
    expect(result).toMatchObject({ status: 1, outputs: '' });
    expect(result.stdout).toContain(`no backend image was built from commit ${COMMIT}`);
  });
});

describe('delete-pr-images.sh', () => {
  const image = (digest: string, tags: string[]) => ({ imageDigest: digest, imageTags: tags });

  it("deletes by digest every image tagged for this pull request, and no other pull request's", () => {
    aws.respond(
      'ecr',
      'describe-images',
      JSON.stringify({
        imageDetails: [
          image('sha256:one', [COMMIT, `pr-4-${COMMIT}`]),
          image('sha256:two', [`pr-4-${'b'.repeat(40)}`]),
          image('sha256:other-pr', [`pr-42-${COMMIT}`]),
          image('sha256:release', ['bootstrap']),
        ],
      }),
    );
    aws.respond('ecr', 'batch-delete-image', '[]');
    const result = aws.run(DELETE_IMAGES, ['4'], {});
    expect(result.status).toBe(0);
    const deletes = aws.calls().filter((call) => call.startsWith('ecr batch-delete-image'));
    expect(deletes).toEqual(
      ['ragchat-pr/backend', 'ragchat-pr/frontend'].map(
        (repository) =>
          `ecr batch-delete-image --repository-name ${repository} --image-ids imageDigest=sha256:one imageDigest=sha256:two --query failures --output json`,
      ),
    );
    expect(result.summary).toContain('`ragchat-pr/backend`: deleted 2 preview image(s)');
  });

  it('deletes nothing when the pull request has no images', () => {
    aws.respond(
      'ecr',
      'describe-images',
      JSON.stringify({ imageDetails: [image('sha256:x', ['bootstrap'])] }),
    );
    const result = aws.run(DELETE_IMAGES, ['4'], {});
    expect(result.status).toBe(0);
    expect(aws.calls().filter((call) => call.startsWith('ecr batch-delete-image'))).toEqual([]);
  });

  it('fails when ECR reports failures or cannot be read', () => {
    aws.respond(
      'ecr',
      'describe-images',
      JSON.stringify({ imageDetails: [image('sha256:one', ['pr-4-x'])] }),
    );
    aws.respond('ecr', 'batch-delete-image', '[{"failureCode":"ImageNotFound"}]');
    expect(aws.run(DELETE_IMAGES, ['4'], {}).status).toBe(1);

    const unreadable = fakeAws();
    try {
      unreadable.fail('ecr', 'describe-images');
      expect(unreadable.run(DELETE_IMAGES, ['4'], {}).status).not.toBe(0);
      expect(unreadable.calls().filter((call) => call.startsWith('ecr batch-delete-image'))).toEqual([]);
    } finally {
      unreadable.cleanup();
    }
  });

  it('refuses a pull request number that is not a positive integer, before calling AWS', () => {
    const result = aws.run(DELETE_IMAGES, ['4*'], {});
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("pull request number must be a positive integer, got '4*'");
    expect(aws.calls()).toEqual([]);
  });
});

describe('find-in-flight-deployment.sh', () => {
  const find = () => aws.run(FIND_IN_FLIGHT, [], { ENVIRONMENT: 'prod', SERVICE: 'backend' });

  beforeEach(() => aws.respond('ssm', 'get-parameter', DEPLOY_OUTPUTS));

  it.each(['Created', 'Queued', 'InProgress', 'Baking', 'Ready'])('reports a %s deployment', (status) => {
    aws.respond('deploy', 'get-deployment-group', `d-ABCDEF123\t${status}\n`);
    const result = find();
    expect(result.status).toBe(0);
    expect(result.outputs).toBe('deployment-id=d-ABCDEF123\n');
    expect(aws.calls()).toContain(
      'deploy get-deployment-group --application-name ragchat-prod --deployment-group-name ragchat-prod-backend ' +
        '--query deploymentGroupInfo.lastAttemptedDeployment.[deploymentId, status] --output text',
    );
  });

  it.each([
    ['a finished deployment', 'd-ABCDEF123\tSucceeded\n'],
    ['a stopped deployment', 'd-ABCDEF123\tStopped\n'],
    ['a group that never deployed', 'None\n'],
  ])('reports nothing for %s', (_what, response) => {
    aws.respond('deploy', 'get-deployment-group', response);
    expect(find()).toMatchObject({ status: 0, outputs: '' });
  });

  it('fails instead of reporting "nothing in flight" when CodeDeploy cannot be asked', () => {
    aws.fail('deploy', 'get-deployment-group');
    expect(find()).toMatchObject({ status: 254, outputs: '' });
  });
});

describe('deploy-service: reading the deploy outputs', () => {
  const action = parseYaml(
    '.github/actions/deploy-service/action.yml',
    readFileSync(join(COMPOSITE_ACTIONS_DIR, 'deploy-service', 'action.yml'), 'utf8'),
  );
  const step = stepsOf(isRecord(action.doc.runs) ? action.doc.runs : {}).find((s) => s.id === 'outputs');
  let script: string;
  beforeEach(() => {
    script = join(mkdtempSync(join(tmpdir(), 'deploy-service-')), 'outputs.sh');
    writeFileSync(script, `set -eo pipefail\n${String(step?.run)}`);
  });
  afterEach(() => rmSync(dirname(script), { recursive: true, force: true }));

  const read = (env: Record<string, string>) =>
    aws.run(script, [], {
      ENVIRONMENT: 'staging',
      SERVICE: 'backend',
      IMAGE: '',
      TASK_DEFINITION_ARN: '',
      ...env,
    });

  it('outputs the test listener URL and the container to render the image into', () => {
    aws.respond(
      'ssm',
      'get-parameter',
      JSON.stringify({
        testListenerUrl: 'http://alb:8443',
        services: { backend: { containerName: 'backend' } },
      }),
    );
    const result = read({ IMAGE: `${REPOSITORY_URI}@${DIGEST}` });
    expect(result.status).toBe(0);
    expect(result.outputs).toBe('test-url=http://alb:8443\ncontainer-name=backend\n');
  });

  it.each([
    ['neither', {}],
    [
      'both',
      { IMAGE: `${REPOSITORY_URI}@${DIGEST}`, TASK_DEFINITION_ARN: ARN('ragchat-staging-backend', 3) },
    ],
  ])('refuses %s of image and task-definition-arn before calling AWS', (_what, env) => {
    const result = read(env);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      '::error::deploy-service needs exactly one of image and task-definition-arn',
    );
    expect(aws.calls()).toEqual([]);
  });

  it('fails when the deploy outputs lack the test listener URL', () => {
    aws.respond(
      'ssm',
      'get-parameter',
      JSON.stringify({ services: { backend: { containerName: 'backend' } } }),
    );
    expect(read({ TASK_DEFINITION_ARN: ARN('ragchat-staging-backend', 3) })).toMatchObject({
      status: 1,
      outputs: '',
    });
  });
});
