import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import { ActionEnvironment } from '../../shared/src/testing/action-env';
import {
  BACKEND_IMAGE,
  deployOutputsDocument,
  digest,
  FRONTEND_IMAGE,
} from '../../shared/src/testing/fixtures';
import { run } from './main';

const ssm = mockClient(SSMClient);
const action = new ActionEnvironment();
const REPO_ROOT = join(__dirname, '..', '..', '..');
const COLLECTOR_IMAGE = `public.ecr.aws/aws-observability/aws-otel-collector@${digest('c')}`;

let outputsFile: string;
let outDir: string;
let testNumber = 0;
beforeEach(() => {
  testNumber++;
  ssm.reset();
  action.setUp();
  outputsFile = action.file('deploy-outputs.json', JSON.stringify(deployOutputsDocument()));
  action.inputs({
    'deploy-outputs-file': outputsFile,
    service: 'backend',
    template: join(REPO_ROOT, 'infra/taskdefs/backend.json'),
    images: `backend=${BACKEND_IMAGE}`,
    'output-dir': join(action.dir, `out-${testNumber}`),
  });
  outDir = join(action.dir, `out-${testNumber}`);
});
afterEach(() => action.tearDown());

interface Rendered {
  family: string;
  containerDefinitions: {
    name: string;
    image: string;
    environment?: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
    portMappings?: { containerPort: number }[];
  }[];
}
const taskDefinition = (): Rendered =>
  JSON.parse(readFileSync(action.outputs()['task-definition-path'] ?? '', 'utf8'));
const container = (name: string) =>
  taskDefinition().containerDefinitions.find((entry) => entry.name === name);
const simpleTemplate = (extra: Record<string, unknown> = {}, containerExtra: Record<string, unknown> = {}) =>
  action.file(
    'template.json',
    JSON.stringify({
      family: '{{service.taskFamily}}',
      containerDefinitions: [
        {
          name: 'backend',
          image: '{{image.backend}}',
          portMappings: [{ containerPort: 8000 }],
          ...containerExtra,
        },
      ],
      ...extra,
    }),
  );

describe('render-deployment', () => {
  it.each([
    ['backend', BACKEND_IMAGE, 8000],
    ['frontend', FRONTEND_IMAGE, 3000],
  ])(
    'renders the repository template of %s into a RegisterTaskDefinition input and an AppSpec',
    async (service, image, port) => {
      action.inputs({
        service,
        template: join(REPO_ROOT, `infra/taskdefs/${service}.json`),
        images: `${service}=${image}`,
      });
      await run();

      expect(action.errors()).toEqual([]);
      const outputs = action.outputs();
      expect(outputs).toEqual({
        'task-definition-path': join(outDir, 'taskdef.json'),
        'appspec-path': join(outDir, 'appspec.yaml'),
        'container-name': service,
        'container-port': String(port),
      });
      const rendered = taskDefinition();
      expect(rendered.family).toBe(`ragchat-staging-${service}`);
      expect(JSON.stringify(rendered)).not.toContain('{{');
      expect(container(service)?.image).toBe(image);
      const environment = Object.fromEntries(
        (container(service)?.environment ?? []).map((entry) => [entry.name, entry.value]),
      );
      expect(environment).toMatchObject({
        // The template's own variable survives the merge of the deploy outputs' environment.
        [`${service.toUpperCase()}_PORT`]: String(port),
        ...deployOutputsDocument().services[service as 'backend'].environment,
      });
      expect(parse(readFileSync(outputs['appspec-path'] ?? '', 'utf8'))).toEqual({
        version: 0,
        Resources: [
          {
            TargetService: {
              Type: 'AWS::ECS::Service',
              Properties: {
                TaskDefinition: '<TASK_DEFINITION>',
                LoadBalancerInfo: { ContainerName: service, ContainerPort: port },
                CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
              },
            },
          },
        ],
      });
      expect(action.summary()).toContain(`Rendered ${service} for staging`);
      expect(action.summary()).toContain(image);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    },
  );

  it('gives every listed container its own image and resolves the secrets from the deploy outputs', async () => {
    action.inputs({ images: `backend=${BACKEND_IMAGE}\notel-collector=${COLLECTOR_IMAGE}` });
    await run();
    expect(container('backend')?.image).toBe(BACKEND_IMAGE);
    expect(container('otel-collector')?.image).toBe(COLLECTOR_IMAGE);
    expect(container('backend')?.secrets).toContainEqual({
      name: 'DB_SECRET',
      valueFrom: deployOutputsDocument().secrets.databaseSecretArn,
    });
  });

  it("keeps '=' in values, overrides template variables and adds secrets per container", async () => {
    action.inputs({
      'environment-variables':
        'backend.LOG_LEVEL=debug\nbackend.DSN=postgres://u:p@h/db?sslmode=require&x=y\notel-collector.AWS_REGION=eu-west-1',
      secrets: 'backend.API_KEY=arn:aws:secretsmanager:eu-west-1:111122223333:secret:key=v1',
    });
    await run();
    const environment = container('backend')?.environment ?? [];
    expect(environment.filter((entry) => entry.name === 'LOG_LEVEL')).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
    expect(environment).toContainEqual({ name: 'DSN', value: 'postgres://u:p@h/db?sslmode=require&x=y' });
    expect(container('otel-collector')?.environment).toContainEqual({
      name: 'AWS_REGION',
      value: 'eu-west-1',
    });
    expect(container('backend')?.secrets).toContainEqual({
      name: 'API_KEY',
      valueFrom: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:key=v1',
    });
  });

  // Without CapacityProviderStrategy, CodeDeploy starts the replacement tasks as FARGATE whatever the
  // service uses (aws/containers-roadmap #695, #713), so dev would leave Spot on its first deploy.
  it.each(['yaml', 'json'])(
    'keeps a Spot service on Spot: the %s AppSpec carries its capacity provider strategy',
    async (format) => {
      const document = deployOutputsDocument();
      const spot = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
      action.file(
        'deploy-outputs.json',
        JSON.stringify({
          ...document,
          services: {
            ...document.services,
            backend: { ...document.services.backend, capacityProviderStrategy: spot },
          },
        }),
      );
      action.inputs({ 'appspec-format': format });
      await run();
      expect(action.errors()).toEqual([]);
      const appSpec = parse(readFileSync(action.outputs()['appspec-path'] ?? '', 'utf8'));
      expect(appSpec.Resources[0].TargetService.Properties.CapacityProviderStrategy).toEqual([
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ]);
    },
  );

  it('refuses deploy outputs without a capacity provider strategy, naming the field', async () => {
    const document = deployOutputsDocument();
    const { capacityProviderStrategy: _dropped, ...backend } = document.services.backend;
    action.file(
      'deploy-outputs.json',
      JSON.stringify({ ...document, services: { ...document.services, backend } }),
    );
    await run();
    expect(action.errors()[0]).toContain("field 'services.backend.capacityProviderStrategy'");
  });

  it('writes lifecycle hooks into a JSON AppSpec when asked', async () => {
    action.inputs({
      hooks: 'AfterAllowTestTraffic=ragchat-smoke\nBeforeAllowTraffic=ragchat-gate',
      'appspec-format': 'json',
    });
    await run();
    const appSpec = JSON.parse(readFileSync(action.outputs()['appspec-path'] ?? '', 'utf8'));
    expect(action.outputs()['appspec-path']).toMatch(/appspec\.json$/);
    expect(appSpec.Hooks).toEqual([
      { AfterAllowTestTraffic: 'ragchat-smoke' },
      { BeforeAllowTraffic: 'ragchat-gate' },
    ]);
    expect(appSpec.Resources[0].TargetService.Properties.LoadBalancerInfo).toEqual({
      ContainerName: 'backend',
      ContainerPort: 8000,
    });
  });

  it('writes hooks into a YAML AppSpec', async () => {
    action.inputs({ hooks: 'BeforeInstall=ragchat-pre' });
    await run();
    expect(parse(readFileSync(action.outputs()['appspec-path'] ?? '', 'utf8')).Hooks).toEqual([
      { BeforeInstall: 'ragchat-pre' },
    ]);
  });

  it('reads the deploy outputs from SSM for an environment', async () => {
    action.inputs({ 'deploy-outputs-file': '', environment: 'staging' });
    ssm.on(GetParameterCommand, { Name: '/ragchat/staging/deploy-outputs' }).resolves({
      Parameter: { Value: JSON.stringify(deployOutputsDocument()) },
    });
    await run();
    expect(action.errors()).toEqual([]);
    expect(taskDefinition().family).toBe('ragchat-staging-backend');
  });

  it('reports a missing SSM parameter with the operation and request id', async () => {
    action.inputs({ 'deploy-outputs-file': '', environment: 'prod' });
    ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: 'not found', $metadata: { requestId: 'req-ssm' } }));
    await run();
    expect(action.errors()).toEqual([
      'SSM GetParameter /ragchat/prod/deploy-outputs failed: ParameterNotFound: not found (request id req-ssm)',
    ]);
  });

  it('names the missing field of invalid deploy outputs', async () => {
    const document = deployOutputsDocument() as unknown as { services: { backend: Record<string, unknown> } };
    delete document.services.backend.taskFamily;
    action.inputs({ 'deploy-outputs-file': action.file('bad.json', JSON.stringify(document)) });
    await run();
    expect(action.errors()[0]).toMatch(
      /Deploy outputs .*bad\.json: field 'services\.backend\.taskFamily' is missing/,
    );
  });

  it('fails on an unknown placeholder, naming it, and writes nothing', async () => {
    action.inputs({ template: simpleTemplate({ taskRoleArn: '{{service.taskRole}}' }) });
    await run();
    expect(action.errors()).toEqual([
      'Unknown placeholder {{service.taskRole}} in the task definition template',
    ]);
    expect(existsSync(outDir)).toBe(false);
  });

  it('fails when an image placeholder has no image input', async () => {
    action.inputs({ images: `otel-collector=${COLLECTOR_IMAGE}` });
    await run();
    expect(action.errors()).toEqual([
      'Unknown placeholder {{image.backend}} in the task definition template',
    ]);
  });

  it('keeps the type of a whole-value placeholder', async () => {
    action.inputs({
      template: simpleTemplate({}, { portMappings: [{ containerPort: '{{service.containerPort}}' }] }),
    });
    await run();
    expect(container('backend')?.portMappings).toEqual([{ containerPort: 8000 }]);
  });

  it.each([
    [
      { unknownField: 1 },
      {},
      "Task definition: unknown field 'unknownField' (not in RegisterTaskDefinition)",
    ],
    [{ family: 'bad family!' }, {}, "Task definition: 'family' is required"],
    [{ cpu: 512 }, {}, "Task definition: 'cpu' must be a string"],
    [
      {},
      { environment: [{ name: 'A', value: 1 }] },
      "containerDefinitions[0].environment[0] must have string 'name' and 'value'",
    ],
    [
      {},
      { portMappings: [{ hostPort: 1 }] },
      "containerDefinitions[0].portMappings: every entry needs an integer 'containerPort'",
    ],
    [{}, { memoryLimit: 1 }, "containerDefinitions[0]: unknown field 'memoryLimit'"],
  ])(
    'validates the rendered result against RegisterTaskDefinition (%j %j)',
    async (extra, containerExtra, message) => {
      action.inputs({ template: simpleTemplate(extra, containerExtra) });
      await run();
      expect(action.errors()[0]).toContain(message);
    },
  );

  it('fails when the traffic container has no mapping for the deploy outputs port', async () => {
    action.inputs({ template: simpleTemplate({}, { portMappings: [{ containerPort: 9000 }] }) });
    await run();
    expect(action.errors()).toEqual([
      'Container backend has no port mapping for containerPort 8000 from the deploy outputs',
    ]);
  });

  it.each([
    [{ service: 'worker' }, "Input 'service' must be one of backend, frontend"],
    [{ images: '' }, "Input 'images' is required"],
    [
      { images: `backend=${BACKEND_IMAGE.replace(/@.*/, ':latest')}` },
      "Input 'images' image for backend must be pinned by digest",
    ],
    [
      { images: `backend=${BACKEND_IMAGE}\nsidecar=${COLLECTOR_IMAGE}` },
      "Input 'images' The task definition has no container 'sidecar'",
    ],
    [
      { 'environment-variables': 'LOG_LEVEL=debug' },
      "Input 'environment-variables' entry 'LOG_LEVEL' must look like CONTAINER.NAME=value",
    ],
    [
      { 'environment-variables': 'ghost.A=1' },
      "Input 'environment-variables' The task definition has no container 'ghost'",
    ],
    [{ secrets: 'backend.KEY' }, "Input 'secrets' line 1 must look like KEY=value"],
    [{ hooks: 'AfterEverything=fn' }, "Input 'hooks' 'AfterEverything' is not one of BeforeInstall"],
    [{ 'appspec-format': 'toml' }, "Input 'appspec-format' must be one of yaml, json"],
    [{ 'deploy-outputs-file': '' }, "Input 'environment' is required (or set deploy-outputs-file)"],
    [{ 'deploy-outputs-file': '', environment: 'Staging!' }, "Input 'environment' must be a lowercase name"],
  ])('rejects bad input %j', async (inputs, message) => {
    action.inputs(inputs);
    await run();
    expect(action.errors()[0]).toContain(message);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });
});
