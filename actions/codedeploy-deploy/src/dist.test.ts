import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws, type FakeHandler } from '../../shared/src/testing/fake-aws';
import { FakeGitHub } from '../../shared/src/testing/fake-github';
import { BACKEND_IMAGE, deployOutputsDocument } from '../../shared/src/testing/fixtures';
import { runDist } from '../../shared/src/testing/run-dist';

const MAIN = join(__dirname, '..', 'dist', 'index.js');
const POST = join(__dirname, '..', 'dist', 'post.js');
const ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/ragchat-staging-backend:7';
const SHA = '1234567'.padEnd(40, 'a');
jest.setTimeout(60_000);

const taskDefinition = {
  family: 'ragchat-staging-backend',
  containerDefinitions: [{ name: 'backend', image: BACKEND_IMAGE, portMappings: [{ containerPort: 8000 }] }],
};
const deployment =
  (status: string): FakeHandler =>
  () => ({
    body: { deploymentInfo: { deploymentId: 'd-ABCDEF123', status, computePlatform: 'ECS' } },
  });
const awsHandlers = (status: string): Record<string, FakeHandler> => ({
  RegisterTaskDefinition: (request) => ({ body: { taskDefinition: { ...request, taskDefinitionArn: ARN } } }),
  CreateDeployment: () => ({ body: { deploymentId: 'd-ABCDEF123' } }),
  GetDeployment: deployment(status),
  ListDeploymentTargets: () => ({ body: { targetIds: ['ragchat-staging:backend'] } }),
  GetDeploymentTarget: () => ({
    body: {
      deploymentTarget: {
        deploymentTargetType: 'ECSTarget',
        ecsTarget: {
          targetId: 'ragchat-staging:backend',
          lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Succeeded', startTime: 1_800_000_000 }],
          taskSetsInfo: [{ taskSetLabel: 'Green', trafficWeight: 100, desiredCount: 1, runningCount: 1 }],
        },
      },
    },
  }),
  StopDeployment: () => ({ body: { status: 'Pending', statusMessage: 'Stop requested' } }),
});

describe('codedeploy-deploy dist bundles', () => {
  let aws: FakeAws;
  let github: FakeGitHub;
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codedeploy-dist-'));
    writeFileSync(join(dir, 'outputs.json'), JSON.stringify(deployOutputsDocument()));
    writeFileSync(join(dir, 'taskdef.json'), JSON.stringify(taskDefinition));
    github = new FakeGitHub();
    env = {
      GITHUB_API_URL: await github.start(),
      GITHUB_REPOSITORY: 'acme/ragchat',
      GITHUB_SHA: SHA,
    };
  });
  afterEach(async () => {
    await aws.stop();
    await github.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (handlers: Record<string, FakeHandler>) => {
    aws = new FakeAws(handlers);
    const endpoint = await aws.start();
    env = { ...env, AWS_ENDPOINT_URL_ECS: endpoint, AWS_ENDPOINT_URL_CODEDEPLOY: endpoint };
  };
  const deployInputs = () => ({
    'deploy-outputs-file': join(dir, 'outputs.json'),
    service: 'backend',
    'task-definition-path': join(dir, 'taskdef.json'),
    'github-token': 'test-token',
    'record-deployment': 'true',
  });

  it('registers, deploys, logs progress, records a GitHub Deployment and exits 0', async () => {
    await start(awsHandlers('Succeeded'));
    const result = await runDist(MAIN, { inputs: deployInputs(), env });

    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({
      'task-definition-arn': ARN,
      'github-deployment-id': '1000',
      'deployment-id': 'd-ABCDEF123',
      status: 'Succeeded',
    });
    expect(result.state).toEqual({
      'deployment-id': 'd-ABCDEF123',
      region: 'eu-west-1',
      'in-flight': 'false',
    });
    expect(result.stdout).toContain('Lifecycle Install: Succeeded');
    expect(result.stdout).toContain('Traffic: Green 100% (1/1 running)');
    expect(aws.operations()).toEqual([
      'RegisterTaskDefinition',
      'CreateDeployment',
      'GetDeployment',
      'ListDeploymentTargets',
      'GetDeploymentTarget',
    ]);
    const create = aws.calls.find((call) => call.target === 'CreateDeployment')?.body;
    expect(create).toMatchObject({
      applicationName: 'ragchat-staging',
      deploymentGroupName: 'ragchat-staging-backend',
      revision: { revisionType: 'AppSpecContent' },
    });
    expect(github.deployments).toEqual([
      {
        id: 1000,
        environment: 'staging',
        payload: { services: { backend: { taskDefinitionArn: ARN, image: BACKEND_IMAGE } }, commit: SHA },
        statuses: [
          { state: 'success', environment_url: 'https://chat.example.com' },
          { state: 'in_progress' },
        ],
      },
    ]);
    expect(result.summary).toContain('Deploy backend to staging');
  });

  it('stops at ready for a smoke test, then a second step continues it and closes the GitHub record', async () => {
    let continued = false;
    await start({
      ...awsHandlers('Ready'),
      GetDeploymentGroup: () => ({
        body: {
          deploymentGroupInfo: {
            blueGreenDeploymentConfiguration: {
              deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
            },
          },
        },
      }),
      ContinueDeployment: () => {
        continued = true;
        return { body: {} };
      },
      GetDeployment: () => deployment(continued ? 'Succeeded' : 'Ready')({}),
    });
    const ready = await runDist(MAIN, { inputs: { ...deployInputs(), 'stop-at-ready': 'true' }, env });
    expect(ready.code).toBe(0);
    expect(ready.outputs).toMatchObject({
      status: 'Ready',
      'deployment-id': 'd-ABCDEF123',
      'github-deployment-id': '1000',
    });
    expect(ready.summary).toContain(deployOutputsDocument().testListenerUrl);
    expect(continued).toBe(false);

    const done = await runDist(MAIN, {
      inputs: {
        mode: 'continue',
        'deploy-outputs-file': join(dir, 'outputs.json'),
        'deployment-id': ready.outputs['deployment-id'] ?? '',
        'github-token': 'test-token',
        'record-deployment': 'true',
        'github-deployment-id': ready.outputs['github-deployment-id'] ?? '',
      },
      env,
    });
    expect(done.errors).toEqual([]);
    expect(done.code).toBe(0);
    expect(done.outputs.status).toBe('Succeeded');
    expect(aws.calls.filter((call) => call.target === 'ContinueDeployment').map((call) => call.body)).toEqual(
      [{ deploymentId: 'd-ABCDEF123', deploymentWaitType: 'READY_WAIT' }],
    );
    expect(github.deployments[0]?.statuses.map((status) => status.state)).toEqual([
      'success',
      'in_progress',
      'in_progress',
    ]);
  });

  it('exits 1 with errorInformation when the deployment fails and was rolled back', async () => {
    await start({
      ...awsHandlers('Failed'),
      GetDeployment: () => ({
        body: {
          deploymentInfo: {
            deploymentId: 'd-ABCDEF123',
            status: 'Failed',
            computePlatform: 'ECS',
            errorInformation: { code: 'ECS_UPDATE_ERROR', message: 'tasks failed to start' },
            rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK9' },
          },
        },
      }),
    });
    const result = await runDist(MAIN, { inputs: deployInputs(), env });
    expect(result.code).toBe(1);
    expect(result.errors[0]).toContain('error ECS_UPDATE_ERROR: tasks failed to start');
    expect(result.errors[0]).toContain('rolled back by d-ROLLBACK9');
    expect(result.outputs.status).toBe('Failed');
    expect(result.summary).toContain('Failed:');
    expect(github.deployments[0]?.statuses.map((status) => status.state)).toEqual(['failure', 'in_progress']);
  });

  it('stops the deployment with rollback when the runner cancels the job with SIGTERM', async () => {
    await start(awsHandlers('InProgress'));
    const result = await runDist(MAIN, {
      inputs: { ...deployInputs(), 'record-deployment': 'false' },
      env,
      onLine: { text: 'Deployment d-ABCDEF123: InProgress', action: (child) => child.kill('SIGTERM') },
    });
    expect(result.code).toBe(1);
    expect(result.errors[0]).toContain(
      'Received SIGTERM (job cancelled): deployment d-ABCDEF123 interrupted',
    );
    expect(aws.calls.filter((call) => call.target === 'StopDeployment').map((call) => call.body)).toEqual([
      { deploymentId: 'd-ABCDEF123', autoRollbackEnabled: true },
    ]);
    expect(result.state['in-flight']).toBe('false');
  });

  it('post.js stops a deployment the main step left in flight', async () => {
    await start(awsHandlers('InProgress'));
    const result = await runDist(POST, {
      inputs: {},
      env,
      state: { 'deployment-id': 'd-ABCDEF123', region: 'eu-west-1', 'in-flight': 'true' },
    });
    expect(result.code).toBe(0);
    expect(aws.operations()).toEqual(['GetDeployment', 'StopDeployment']);
    expect(result.stdout).toContain('::warning::Deployment d-ABCDEF123 was left InProgress by the main step');
  });

  // The job cancelled (or timed out) during the smoke test: nothing continued or stopped the
  // deployment, so the post step must find it in flight and stop it rather than leave it at Ready.
  it('post.js stops a deployment the main step left at Ready when nothing continued it', async () => {
    await start({
      ...awsHandlers('Ready'),
      GetDeploymentGroup: () => ({
        body: {
          deploymentGroupInfo: {
            blueGreenDeploymentConfiguration: {
              deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
            },
          },
        },
      }),
    });
    const ready = await runDist(MAIN, {
      inputs: { ...deployInputs(), 'record-deployment': 'false', 'stop-at-ready': 'true' },
      env,
    });
    expect(ready.outputs.status).toBe('Ready');
    const post = await runDist(POST, { inputs: {}, env, state: ready.state });
    expect(post.code).toBe(0);
    expect(aws.calls.filter((call) => call.target === 'StopDeployment').map((call) => call.body)).toEqual([
      { deploymentId: 'd-ABCDEF123', autoRollbackEnabled: true },
    ]);
    expect(post.stdout).toContain('::warning::Deployment d-ABCDEF123 was left Ready by the main step');
  });

  it('find-previous reads GitHub Deployments through Octokit', async () => {
    await start({});
    github.deployments.push(
      {
        id: 3,
        environment: 'prod',
        payload: { services: { backend: { taskDefinitionArn: `${ARN}3` } } },
        statuses: [{ state: 'success' }],
      },
      {
        id: 2,
        environment: 'prod',
        payload: { services: { backend: { taskDefinitionArn: `${ARN}2` } } },
        statuses: [{ state: 'failure' }],
      },
      {
        id: 1,
        environment: 'prod',
        payload: { services: { backend: { taskDefinitionArn: `${ARN}1` } } },
        statuses: [{ state: 'success' }],
      },
    );
    const result = await runDist(MAIN, {
      inputs: {
        mode: 'find-previous',
        environment: 'prod',
        service: 'backend',
        'github-token': 'test-token',
      },
      env,
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs).toEqual({ 'previous-task-definition-arn': `${ARN}1`, 'in-last-release': 'true' });
    expect(aws.calls).toEqual([]);
  });
});
