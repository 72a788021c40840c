import { createHash } from 'node:crypto';
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentAlreadyCompletedException,
  type DeploymentInfo,
  DeploymentLimitExceededException,
  type DeploymentTarget,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeploymentSummary, DeploymentsApi } from '../../shared/src/deployment-records';
import { ActionEnvironment } from '../../shared/src/testing/action-env';
import { fakeTiming } from '../../shared/src/testing/fake-timing';
import { BACKEND_IMAGE, deployOutputsDocument } from '../../shared/src/testing/fixtures';
import { cleanup } from './cleanup';
import type { Dependencies } from './dependencies';
import { run } from './main';

const ecs = mockClient(ECSClient);
const codedeploy = mockClient(CodeDeployClient);
const action = new ActionEnvironment();

const ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/ragchat-staging-backend:42';
const OLD_ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/ragchat-staging-backend:41';
const SHA = 'c0ffee'.padEnd(40, '0');
const TASK_DEFINITION = {
  family: 'ragchat-staging-backend',
  containerDefinitions: [{ name: 'backend', image: BACKEND_IMAGE, portMappings: [{ containerPort: 8000 }] }],
};
const APPSPEC =
  'version: 0.0\nResources:\n  - TargetService:\n      Properties:\n        TaskDefinition: "<TASK_DEFINITION>"\n';

/** GitHub Deployments in memory. */
function fakeDeployments(existing: (DeploymentSummary & { state: string })[] = []) {
  const created: Parameters<DeploymentsApi['create']>[0][] = [];
  const statuses: [number, string, Record<string, unknown>][] = [];
  const api: DeploymentsApi = {
    create: async (input) => {
      created.push(input);
      return 901;
    },
    setStatus: async (id, state, details) => {
      statuses.push([id, state, details]);
    },
    list: async (_environment, page) => (page === 1 ? existing : []),
    outcome: async (id) => existing.find((deployment) => deployment.id === id)?.state,
  };
  return { api, created, statuses };
}

let timing: ReturnType<typeof fakeTiming>;
let github: ReturnType<typeof fakeDeployments>;
let cancel: ((reason: string) => void) | undefined;
let unsubscribed: boolean;
const dependencies = (): Dependencies => ({
  timing,
  onCancel: (handler) => {
    cancel = handler;
    return () => {
      unsubscribed = true;
    };
  },
  deploymentsApi: () => github.api,
});

const deployment = (status: string, extra: Partial<DeploymentInfo> = {}) => ({
  deploymentInfo: { deploymentId: 'd-ABCDEF123', status, computePlatform: 'ECS', ...extra } as DeploymentInfo,
});
const target = (
  events: [string, string][],
  traffic: [string, number][] = [],
  diagnostics?: object,
): DeploymentTarget => ({
  deploymentTargetType: 'ECSTarget',
  ecsTarget: {
    targetId: 'ragchat-staging:ragchat-staging-backend',
    lifecycleEvents: events.map(([lifecycleEventName, status]) => ({
      lifecycleEventName,
      status: status as never,
      ...(status === 'Failed' && diagnostics ? { diagnostics } : {}),
    })),
    taskSetsInfo: traffic.map(([label, trafficWeight]) => ({
      taskSetLabel: label as never,
      trafficWeight,
      desiredCount: 2,
      runningCount: 2,
    })),
  },
});

beforeEach(() => {
  ecs.reset();
  codedeploy.reset();
  action.setUp();
  timing = fakeTiming();
  github = fakeDeployments();
  cancel = undefined;
  unsubscribed = false;
  process.env.GITHUB_SHA = SHA;
  action.inputs({
    'deploy-outputs-file': action.file('outputs.json', JSON.stringify(deployOutputsDocument())),
    service: 'backend',
    'task-definition-path': action.file('taskdef.json', JSON.stringify(TASK_DEFINITION)),
    'appspec-path': action.file('appspec.yaml', APPSPEC),
    'github-token': 'token',
  });
  ecs
    .on(RegisterTaskDefinitionCommand)
    .resolves({ taskDefinition: { ...TASK_DEFINITION, taskDefinitionArn: ARN } });
  ecs
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: { ...TASK_DEFINITION, taskDefinitionArn: OLD_ARN } });
  codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEF123' });
  codedeploy
    .on(ListDeploymentTargetsCommand)
    .resolves({ targetIds: ['ragchat-staging:ragchat-staging-backend'] });
  codedeploy
    .on(GetDeploymentTargetCommand)
    .resolves({ deploymentTarget: target([['BeforeInstall', 'Succeeded']]) });
  codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending', statusMessage: 'Stopping' });
});
afterEach(() => action.tearDown());

describe('codedeploy-deploy mode deploy', () => {
  it('registers the task definition, deploys the AppSpec with its sha256 and logs progress until success', async () => {
    codedeploy
      .on(GetDeploymentCommand)
      .resolvesOnce(deployment('InProgress'))
      .resolvesOnce(deployment('InProgress'))
      .resolves(deployment('Succeeded'));
    codedeploy
      .on(GetDeploymentTargetCommand)
      .resolvesOnce({
        deploymentTarget: target(
          [['BeforeInstall', 'InProgress']],
          [
            ['BLUE', 100],
            ['GREEN', 0],
          ],
        ),
      })
      .resolvesOnce({
        deploymentTarget: target(
          [['BeforeInstall', 'Succeeded']],
          [
            ['BLUE', 90],
            ['GREEN', 10],
          ],
        ),
      })
      .resolves({
        deploymentTarget: target(
          [
            ['BeforeInstall', 'Succeeded'],
            ['AfterAllowTraffic', 'Succeeded'],
          ],
          [['GREEN', 100]],
        ),
      });
    await run(dependencies());

    expect(action.errors()).toEqual([]);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input).toEqual(TASK_DEFINITION);
    const content = APPSPEC.replace('<TASK_DEFINITION>', ARN);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input).toMatchObject({
      applicationName: 'ragchat-staging',
      deploymentGroupName: 'ragchat-staging-backend',
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
      },
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
      },
    });
    expect(action.outputs()).toEqual({
      'task-definition-arn': ARN,
      'deployment-id': 'd-ABCDEF123',
      status: 'Succeeded',
    });
    const log = action.stdout();
    expect(log).toContain('Lifecycle BeforeInstall: InProgress');
    expect(log).toContain('Lifecycle BeforeInstall: Succeeded');
    expect(log).toContain('Traffic: BLUE 90% (2/2 running), GREEN 10% (2/2 running)');
    expect(log).toContain('Traffic: GREEN 100% (2/2 running)');
    expect(log.match(/Lifecycle BeforeInstall: Succeeded/g)).toHaveLength(1);
    expect(timing.sleeps).toEqual([5000, 7500]);
    expect(action.state()).toEqual({
      'deployment-id': 'd-ABCDEF123',
      region: 'eu-west-1',
      'in-flight': 'false',
    });
    expect(action.summary()).toContain('Deploy backend to staging');
    expect(action.summary()).toContain('Succeeded (succeeded)');
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(codedeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
    expect(unsubscribed).toBe(true);
  });

  it('redeploys an existing task definition ARN without registering, building the AppSpec itself', async () => {
    action.inputs({ 'task-definition-path': '', 'appspec-path': '', 'task-definition-arn': OLD_ARN });
    codedeploy.on(GetDeploymentCommand).resolves(deployment('Succeeded'));
    await run(dependencies());
    expect(action.errors()).toEqual([]);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      taskDefinition: OLD_ARN,
    });
    const content =
      codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.revision?.appSpecContent?.content;
    expect(content).toContain(`TaskDefinition: "${OLD_ARN}"`);
    expect(content).toContain('ContainerName: "backend"');
    expect(content).toContain('ContainerPort: 8000');
    expect(action.outputs()['task-definition-arn']).toBe(OLD_ARN);
  });

  it('refuses a task definition of another family before creating a deployment', async () => {
    ecs.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: { ...TASK_DEFINITION, family: 'ragchat-prod-backend', taskDefinitionArn: ARN },
    });
    await run(dependencies());
    expect(action.errors()[0]).toContain(
      'is family ragchat-prod-backend, but backend in staging runs ragchat-staging-backend',
    );
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('fails with errorInformation and the failing lifecycle hook, and records the failure', async () => {
    action.inputs({ 'record-deployment': 'true' });
    codedeploy.on(GetDeploymentCommand).resolves(
      deployment('Failed', {
        errorInformation: {
          code: 'HEALTH_CONSTRAINTS' as never,
          message: 'The deployment failed because of a hook',
        },
        rollbackInfo: {
          rollbackDeploymentId: 'd-ROLLBACK1',
          rollbackMessage: 'Rolled back to the original task set',
        },
      }),
    );
    codedeploy.on(GetDeploymentTargetCommand).resolves({
      deploymentTarget: target(
        [
          ['BeforeInstall', 'Succeeded'],
          ['AfterAllowTestTraffic', 'Failed'],
        ],
        [],
        {
          errorCode: 'ScriptFailed',
          scriptName: 'ragchat-smoke',
          message: 'smoke test returned 500',
          logTail: 'GET /health 500',
        },
      ),
    });
    await run(dependencies());
    const [error] = action.errors();
    expect(error).toContain('Deployment d-ABCDEF123 ended Failed');
    expect(error).toContain('error HEALTH_CONSTRAINTS: The deployment failed because of a hook');
    expect(error).toContain(
      'failing lifecycle hook AfterAllowTestTraffic: ScriptFailed ragchat-smoke smoke test returned 500',
    );
    expect(error).toContain('log tail: GET /health 500');
    expect(error).toContain('rolled back by d-ROLLBACK1');
    expect(action.outputs().status).toBe('Failed');
    expect(action.summary()).toContain('Failed:');
    expect(github.statuses.map(([, state]) => state)).toEqual(['in_progress', 'failure']);
  });

  it('treats a deployment that reports Succeeded but was rolled back as a failure', async () => {
    codedeploy.on(GetDeploymentCommand).resolves(
      deployment('Succeeded', {
        rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK2', rollbackMessage: 'alarm fired' },
      }),
    );
    await run(dependencies());
    expect(action.errors()[0]).toContain('rolled back by d-ROLLBACK2; alarm fired');
    expect(process.exitCode).toBe(1);
  });

  it('treats a Stopped deployment as a failure', async () => {
    codedeploy.on(GetDeploymentCommand).resolves(deployment('Stopped'));
    await run(dependencies());
    expect(action.errors()).toEqual(['Deployment d-ABCDEF123 ended Stopped']);
    expect(action.outputs().status).toBe('Stopped');
  });

  it('stops the deployment with rollback when it times out', async () => {
    action.inputs({ 'timeout-minutes': '1' });
    codedeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));
    codedeploy.on(StopDeploymentCommand).callsFake(() => {
      codedeploy.on(GetDeploymentCommand).resolves(deployment('Stopped'));
      return { status: 'Pending', statusMessage: 'Stopping' };
    });
    await run(dependencies());
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-ABCDEF123',
      autoRollbackEnabled: true,
    });
    expect(action.errors()).toEqual([
      'Deployment d-ABCDEF123 did not finish within 1 minute(s); stop requested with rollback (Pending: Stopping)',
    ]);
    expect(timing.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(60_000);
    expect(action.outputs().status).toBe('Stopped');
    expect(action.state()['in-flight']).toBe('false');
  });

  it('reports a deployment that completed while being stopped', async () => {
    action.inputs({ 'timeout-minutes': '1' });
    codedeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));
    codedeploy
      .on(StopDeploymentCommand)
      .rejects(
        new DeploymentAlreadyCompletedException({ message: 'done', $metadata: { requestId: 'req-stop' } }),
      );
    await run(dependencies());
    expect(action.errors()[0]).toContain('did not finish within 1 minute(s); it had already completed');
  });

  it('stops the deployment with rollback when the job is cancelled', async () => {
    let polls = 0;
    codedeploy.on(GetDeploymentCommand).callsFake(() => {
      polls++;
      if (polls === 2) cancel?.('Received SIGTERM (job cancelled)');
      return deployment(polls > 2 ? 'Stopped' : 'InProgress');
    });
    await run(dependencies());
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(1);
    expect(action.errors()).toEqual([
      'Received SIGTERM (job cancelled): deployment d-ABCDEF123 interrupted; stop requested with rollback (Pending: Stopping)',
    ]);
    expect(action.stdout()).toContain(
      '::warning::Received SIGTERM (job cancelled): stopping deployment d-ABCDEF123 with rollback',
    );
    expect(timing.sleeps).toHaveLength(1);
    expect(unsubscribed).toBe(true);
  });

  it('creates no deployment when the job is cancelled while the task definition is registered', async () => {
    action.inputs({ 'record-deployment': 'true' });
    ecs.on(RegisterTaskDefinitionCommand).callsFake(() => {
      cancel?.('Received SIGINT (job cancelled)');
      return { taskDefinition: { ...TASK_DEFINITION, taskDefinitionArn: ARN } };
    });
    await run(dependencies());
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(action.errors()).toEqual([
      'Received SIGINT (job cancelled) before CreateDeployment; nothing was started',
    ]);
    expect(github.statuses.map(([, state]) => state)).toEqual(['in_progress', 'error']);
    expect(unsubscribed).toBe(true);
  });

  it('stops a deployment whose creation was under way when the job was cancelled', async () => {
    codedeploy.on(CreateDeploymentCommand).callsFake(() => {
      cancel?.('Received SIGTERM (job cancelled)');
      return { deploymentId: 'd-ABCDEF123' };
    });
    codedeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));
    await run(dependencies());
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(1);
    expect(timing.sleeps).toEqual([]);
    expect(action.errors()[0]).toContain(
      'Received SIGTERM (job cancelled): deployment d-ABCDEF123 interrupted',
    );
  });

  it('leaves the deployment waiting at Ready when stop-at-ready is set', async () => {
    action.inputs({ 'stop-at-ready': 'true', 'record-deployment': 'true' });
    codedeploy.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: {
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
        },
      },
    });
    codedeploy.on(GetDeploymentCommand).resolvesOnce(deployment('InProgress')).resolves(deployment('Ready'));
    await run(dependencies());
    expect(action.errors()).toEqual([]);
    expect(action.outputs()).toMatchObject({
      status: 'Ready',
      'deployment-id': 'd-ABCDEF123',
      'github-deployment-id': '901',
    });
    expect(codedeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
    // Still in flight: if the job ends before a continue or stop step, the post step stops it.
    expect(action.state()['in-flight']).toBe('true');
    expect(action.summary()).toContain(deployOutputsDocument().testListenerUrl);
    expect(github.created[0]).toEqual({
      ref: SHA,
      environment: 'staging',
      description: `backend ${ARN}`,
      payload: { services: { backend: { taskDefinitionArn: ARN, image: BACKEND_IMAGE } }, commit: SHA },
    });
    expect(github.statuses.map(([, state]) => state)).toEqual(['in_progress', 'in_progress']);
  });

  it('refuses stop-at-ready when the deployment group would not wait', async () => {
    action.inputs({ 'stop-at-ready': 'true' });
    codedeploy.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: {
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        },
      },
    });
    await run(dependencies());
    expect(action.errors()[0]).toContain(
      "Input 'stop-at-ready' needs deployment group ragchat-staging-backend to use deploymentReadyOption actionOnTimeout STOP_DEPLOYMENT",
    );
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('continues a deployment that waits at Ready when stop-at-ready is not set, and records success', async () => {
    action.inputs({ 'record-deployment': 'true' });
    codedeploy
      .on(GetDeploymentCommand)
      .resolvesOnce(deployment('Ready'))
      .resolvesOnce(deployment('Ready'))
      .resolves(deployment('Succeeded'));
    await run(dependencies());
    expect(action.errors()).toEqual([]);
    expect(codedeploy.commandCalls(ContinueDeploymentCommand).map((call) => call.args[0].input)).toEqual([
      { deploymentId: 'd-ABCDEF123', deploymentWaitType: 'READY_WAIT' },
    ]);
    expect(github.statuses.at(-1)).toEqual([
      901,
      'success',
      { environmentUrl: 'https://chat.example.com', description: 'Deployed (d-ABCDEF123)' },
    ]);
  });

  it('reports CreateDeployment errors with the operation and request id, closing the GitHub record', async () => {
    action.inputs({ 'record-deployment': 'true' });
    codedeploy.on(CreateDeploymentCommand).rejects(
      new DeploymentLimitExceededException({
        message: 'one at a time',
        $metadata: { requestId: 'req-cd' },
      }),
    );
    await run(dependencies());
    expect(action.errors()).toEqual([
      'CodeDeploy CreateDeployment failed: DeploymentLimitExceededException: one at a time (request id req-cd)',
    ]);
    expect(action.state()).toEqual({});
    expect(github.statuses.map(([, state]) => state)).toEqual(['in_progress', 'error']);
  });

  it('needs the placeholder exactly once in the AppSpec', async () => {
    action.inputs({ 'appspec-path': action.file('bad-appspec.yaml', 'version: 0.0\n') });
    await run(dependencies());
    expect(action.errors()).toEqual(['The AppSpec must contain <TASK_DEFINITION> exactly once (found 0)']);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it.each([
    [{ mode: 'rollout' }, "Input 'mode' must be one of deploy, continue, stop, find-previous"],
    [
      { 'task-definition-arn': ARN },
      "Input 'task-definition-arn' cannot be combined with task-definition-path",
    ],
    [{ 'task-definition-path': '' }, "Input 'task-definition-path' is required"],
    [
      { 'task-definition-path': '', 'task-definition-arn': 'ragchat:42' },
      "Input 'task-definition-arn' is not an ECS task definition revision ARN",
    ],
    [{ 'timeout-minutes': '0' }, "Input 'timeout-minutes' must be between 1 and 360"],
    [{ 'stop-at-ready': 'maybe' }, "Input 'stop-at-ready' must be true or false"],
    [{ service: '' }, "Input 'service' is required"],
    [{ 'deploy-outputs-file': '' }, "Input 'environment' is required (or set deploy-outputs-file)"],
  ])('rejects bad input %j without touching AWS', async (inputs, message) => {
    action.inputs(inputs);
    await run(dependencies());
    expect(action.errors()[0]).toContain(message);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('needs GITHUB_SHA to record a deployment', async () => {
    delete process.env.GITHUB_SHA;
    action.inputs({ 'record-deployment': 'true' });
    await run(dependencies());
    expect(action.errors()[0]).toContain("Input 'record-deployment' needs GITHUB_SHA");
    expect(github.created).toEqual([]);
  });
});

describe('codedeploy-deploy modes continue and stop', () => {
  beforeEach(() =>
    action.inputs({
      'deployment-id': 'd-ABCDEF123',
      'github-deployment-id': '901',
      'record-deployment': 'true',
    }),
  );

  it('continues a ready deployment, waits for it and records success', async () => {
    action.inputs({ mode: 'continue' });
    codedeploy
      .on(GetDeploymentCommand)
      .resolvesOnce(deployment('Ready'))
      .resolvesOnce(deployment('InProgress'))
      .resolves(deployment('Succeeded'));
    await run(dependencies());
    expect(action.errors()).toEqual([]);
    expect(codedeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(1);
    expect(action.outputs()).toEqual({ 'deployment-id': 'd-ABCDEF123', status: 'Succeeded' });
    expect(github.statuses).toEqual([
      [
        901,
        'success',
        { description: 'Succeeded (d-ABCDEF123)', environmentUrl: 'https://chat.example.com' },
      ],
    ]);
  });

  it('stops a deployment with rollback and succeeds once it is Stopped', async () => {
    action.inputs({ mode: 'stop' });
    codedeploy.on(GetDeploymentCommand).resolvesOnce(deployment('Ready')).resolves(deployment('Stopped'));
    await run(dependencies());
    expect(action.errors()).toEqual([]);
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-ABCDEF123',
      autoRollbackEnabled: true,
    });
    expect(codedeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
    expect(action.outputs().status).toBe('Stopped');
    expect(github.statuses.map(([, state]) => state)).toEqual(['failure']);
  });

  // A stop with rollback can start a rollback deployment of its own; CodeDeploy runs one deployment
  // per group at a time, so whoever deploys next (rollback.yml) must wait for it to end.
  it('waits for the rollback deployment the stop started before it reports the stop done', async () => {
    action.inputs({ mode: 'stop' });
    const stopped = deployment('Stopped', { rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK01' } });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-ABCDEF123' })
      .resolvesOnce(deployment('Ready'))
      .resolves(stopped);
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK01' })
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-ROLLBACK01', status: 'InProgress' } })
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-ROLLBACK01', status: 'InProgress' } })
      .resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK01', status: 'Succeeded' } });
    await run(dependencies());
    expect(action.errors()).toEqual([]);
    const asked = codedeploy
      .commandCalls(GetDeploymentCommand)
      .map((call) => call.args[0].input.deploymentId);
    expect(asked.filter((id) => id === 'd-ROLLBACK01')).toHaveLength(3);
    expect(action.outputs()).toMatchObject({ status: 'Stopped', 'rollback-deployment-id': 'd-ROLLBACK01' });
  });

  it('fails the stop when the rollback deployment it started fails', async () => {
    action.inputs({ mode: 'stop' });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-ABCDEF123' })
      .resolves(deployment('Stopped', { rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK01' } }));
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK01' })
      .resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK01', status: 'Failed' } });
    await run(dependencies());
    expect(action.errors()[0]).toContain('Rollback deployment d-ROLLBACK01');
  });

  it('fails to stop a deployment that already succeeded', async () => {
    action.inputs({ mode: 'stop' });
    codedeploy
      .on(StopDeploymentCommand)
      .rejects(new DeploymentAlreadyCompletedException({ message: 'done', $metadata: { requestId: 'r' } }));
    codedeploy.on(GetDeploymentCommand).resolves(deployment('Succeeded'));
    await run(dependencies());
    expect(action.errors()[0]).toContain('had already succeeded; StopDeployment cannot roll it back');
  });

  it.each([
    [{ mode: 'continue', 'deployment-id': '' }, "Input 'deployment-id' is required"],
    [
      { mode: 'stop', 'deployment-id': 'deploy-1' },
      "Input 'deployment-id' is not a CodeDeploy deployment id",
    ],
    [{ mode: 'stop', 'github-deployment-id': 'abc' }, "Input 'github-deployment-id' must be a number"],
  ])('rejects bad input %j', async (inputs, message) => {
    action.inputs(inputs);
    await run(dependencies());
    expect(action.errors()[0]).toContain(message);
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(codedeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
  });
});

describe('codedeploy-deploy mode find-previous', () => {
  const record = (id: number, arn: string, state: string, service = 'backend') => ({
    id,
    state,
    payload: { services: { [service]: { taskDefinitionArn: arn, image: `image-${id}` } }, commit: SHA },
  });

  beforeEach(() => action.inputs({ mode: 'find-previous', environment: 'prod', 'deploy-outputs-file': '' }));

  it('returns the newest successful record before the current one with another task definition', async () => {
    github = fakeDeployments([
      record(9, `${OLD_ARN}9`, 'failure'),
      record(8, ARN, 'success'),
      record(7, 'arn:other', 'success', 'frontend'),
      { ...record(6, ARN, 'success'), payload: JSON.stringify(record(6, ARN, 'success').payload) },
      record(5, OLD_ARN, 'success'),
      record(4, 'arn:older', 'success'),
    ]);
    await run(dependencies());
    expect(action.errors()).toEqual([]);
    expect(action.outputs()).toEqual({ 'previous-task-definition-arn': OLD_ARN, 'in-last-release': 'true' });
    expect(action.summary()).toContain('image-5');
  });

  it('leaves a service alone when the last release (another run) never deployed it', async () => {
    process.env.GITHUB_RUN_ID = '77';
    const release = { ...record(9, 'arn:frontend-2', 'in_progress', 'frontend') };
    github = fakeDeployments([
      {
        ...record(10, 'arn:rollback', 'in_progress', 'frontend'),
        payload: { ...release.payload, run: '77' },
      },
      { ...release, payload: { ...release.payload, commit: 'b'.repeat(40), run: '76' } },
      record(8, ARN, 'success'),
      record(5, OLD_ARN, 'success'),
    ]);
    await run(dependencies());
    delete process.env.GITHUB_RUN_ID;
    expect(action.errors()).toEqual([]);
    expect(action.outputs()).toEqual({ 'in-last-release': 'false' });
    expect(action.summary()).toContain('backend is not part of the last release');
  });

  it('fails when there is no earlier successful deployment', async () => {
    github = fakeDeployments([record(8, ARN, 'success')]);
    await run(dependencies());
    expect(action.errors()).toEqual([
      'No earlier successful deployment of backend in prod with a different task definition',
    ]);
    expect(action.outputs()).toEqual({ 'in-last-release': 'true' });
  });

  it('needs an environment', async () => {
    action.inputs({ environment: '' });
    await run(dependencies());
    expect(action.errors()).toEqual(["Input 'environment' is required for find-previous"]);
  });
});

describe('codedeploy-deploy post step', () => {
  const state = (values: Record<string, string>) => {
    for (const [key, value] of Object.entries(values)) process.env[`STATE_${key}`] = value;
  };

  it('stops a deployment the main step left in flight', async () => {
    state({ 'deployment-id': 'd-ABCDEF123', region: 'eu-west-1', 'in-flight': 'true' });
    codedeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));
    await cleanup();
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-ABCDEF123',
      autoRollbackEnabled: true,
    });
    expect(action.stdout()).toContain(
      '::warning::Deployment d-ABCDEF123 was left InProgress by the main step',
    );
    expect(action.summary()).toContain('CodeDeploy cleanup');
  });

  it('leaves a deployment alone once it ended', async () => {
    state({ 'deployment-id': 'd-ABCDEF123', region: 'eu-west-1', 'in-flight': 'true' });
    codedeploy.on(GetDeploymentCommand).resolves(deployment('Succeeded'));
    await cleanup();
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it('does nothing when the main step dealt with its deployment', async () => {
    state({ 'deployment-id': 'd-ABCDEF123', region: 'eu-west-1', 'in-flight': 'false' });
    await cleanup();
    expect(codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });
});
