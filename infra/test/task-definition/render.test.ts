import { type DeployOutputsDocument, listPlaceholders } from '../../src/deploy-contract';
import type { ServiceName } from '../../src/naming';
import { type RenderContext, renderTaskDefinition } from '../../src/task-definition/render';
import {
  loadTaskDefinitionTemplate,
  parseTaskDefinitionTemplate,
  type TaskDefinitionTemplate,
} from '../../src/task-definition/template';

const service = {
  serviceName: 'ragchat-dev-backend',
  deploymentGroup: 'ragchat-dev-backend',
  taskFamily: 'ragchat-dev-backend',
  containerName: 'backend',
  containerPort: 8000,
  cpu: '512',
  memory: '1024',
  taskRoleArn: 'arn:aws:iam::111122223333:role/ragchat-dev-backend-task',
  logGroup: '/ragchat/dev/backend',
  repositoryUri: '111122223333.dkr.ecr.us-east-1.amazonaws.com/ragchat/backend',
  environment: { LOG_LEVEL: 'debug', NODE_ENV: 'staging' },
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
};
const outputs: DeployOutputsDocument<ServiceName> = {
  schemaVersion: 1,
  environment: 'dev',
  region: 'us-east-1',
  clusterName: 'ragchat-dev',
  publicUrl: 'http://alb',
  testListenerUrl: 'http://alb:8443',
  codeDeployApplication: 'ragchat-dev',
  executionRoleArn: 'arn:aws:iam::111122223333:role/ragchat-dev-execution',
  publicEcrMirror: '111122223333.dkr.ecr.us-east-1.amazonaws.com/ecr-public',
  secrets: { databaseSecretArn: 'arn:db', adminTokenSecretArn: 'arn:admin' },
  services: { backend: service, frontend: { ...service, containerName: 'frontend', containerPort: 3000 } },
};
const context: RenderContext = {
  outputs,
  service,
  image: { backend: `${service.repositoryUri}@sha256:abc` },
};

const template = (change: Partial<TaskDefinitionTemplate> = {}): TaskDefinitionTemplate => ({
  family: '{{service.taskFamily}}',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '{{service.cpu}}',
  memory: '{{service.memory}}',
  executionRoleArn: '{{outputs.executionRoleArn}}',
  taskRoleArn: '{{service.taskRoleArn}}',
  containerDefinitions: [
    {
      name: 'backend',
      image: '{{image.backend}}',
      portMappings: [{ containerPort: '{{service.containerPort}}' as unknown as number }],
      environment: [
        { name: 'NODE_ENV', value: 'production' },
        { name: 'KEEP', value: 'region={{outputs.region}}' },
      ],
    },
  ],
  ...change,
});

describe('renderTaskDefinition', () => {
  it('resolves whole and partial placeholders, keeping numbers numeric', () => {
    const rendered = renderTaskDefinition(template(), context);
    expect(rendered.family).toBe('ragchat-dev-backend');
    expect(rendered.executionRoleArn).toBe(outputs.executionRoleArn);
    const container = rendered.containerDefinitions[0]!;
    expect(container.image).toBe(`${service.repositoryUri}@sha256:abc`);
    expect(container.portMappings?.[0]?.containerPort).toBe(8000);
    expect(container.environment).toContainEqual({ name: 'KEEP', value: 'region=us-east-1' });
  });

  it('merges service.environment into its container, overriding template values of the same name', () => {
    const container = renderTaskDefinition(template(), context).containerDefinitions[0]!;
    expect(container.environment).toEqual([
      { name: 'NODE_ENV', value: 'staging' },
      { name: 'KEEP', value: 'region=us-east-1' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
  });

  it('names an unknown placeholder', () => {
    expect(() => renderTaskDefinition(template({ family: 'x-{{service.nope}}' }), context)).toThrow(
      'Unknown placeholder {{service.nope}} in the task definition template',
    );
  });

  it('refuses placeholders that name objects rather than values', () => {
    expect(() => renderTaskDefinition(template({ family: '{{outputs.secrets}}' }), context)).toThrow(
      /outputs.secrets/,
    );
  });

  it('fails when the service container is missing', () => {
    const other = template({ containerDefinitions: [{ name: 'sidecar', image: 'x' }] });
    expect(() => renderTaskDefinition(other, context)).toThrow(/no container named "backend"/);
  });

  it('never leaves {{ in the output', () => {
    expect(() => renderTaskDefinition(template({ family: '{{ {{service.taskFamily}}' }), context)).toThrow(
      /\{\{/,
    );
  });
});

describe('task definition templates', () => {
  it.each(['backend', 'frontend'] as const)(
    '%s renders completely against a deploy outputs document',
    (name) => {
      const rendered = renderTaskDefinition(loadTaskDefinitionTemplate(name), {
        outputs,
        service: outputs.services[name],
        image: { [name]: `${outputs.services[name].repositoryUri}@sha256:abc` },
      });
      expect(JSON.stringify(rendered)).not.toContain('{{');
      expect(rendered.containerDefinitions.map((c) => c.name)).toContain(name);
    },
  );

  it.each(['backend', 'frontend'] as const)(
    '%s carries the ADOT collector sidecar from the public.ecr.aws mirror (tasks have no internet)',
    (name) => {
      const template = loadTaskDefinitionTemplate(name);
      const sidecar = template.containerDefinitions.find((c) => c.name === 'otel-collector');
      expect(sidecar?.image).toMatch(
        /^\{\{outputs\.publicEcrMirror\}\}\/aws-observability\/aws-otel-collector:/,
      );
      // The service exports OTLP/HTTP to the collector's default endpoint, 127.0.0.1:4318.
      const config = sidecar?.environment?.find((e) => e.name === 'AOT_CONFIG_CONTENT')?.value ?? '';
      expect(config).toContain('endpoint: 127.0.0.1:4318');
      expect(config).toContain('exporters: [awsxray]');
      expect(template.containerDefinitions[0]?.dependsOn).toEqual([
        { containerName: 'otel-collector', condition: 'START' },
      ]);
    },
  );

  it('backend reads its database secret from the deploy outputs', () => {
    expect(listPlaceholders(loadTaskDefinitionTemplate('backend'))).toContain(
      'outputs.secrets.databaseSecretArn',
    );
  });

  it.each([
    [{ ...template(), volumes: [] }, /field "volumes" is not supported/],
    [{ ...template(), networkMode: 'bridge' }, /awsvpc/],
    [{ ...template(), requiresCompatibilities: ['EC2'] }, /FARGATE/],
    [{ ...template(), containerDefinitions: [] }, /non-empty/],
    [
      { ...template(), containerDefinitions: [{ name: 'a', image: 'i', links: [] }] },
      /container "a": field "links"/,
    ],
    [
      {
        ...template(),
        containerDefinitions: [
          { name: 'a', image: 'i' },
          { name: 'a', image: 'i' },
        ],
      },
      /defined twice/,
    ],
    [
      {
        ...template(),
        containerDefinitions: [
          { name: 'a', image: 'i', dependsOn: [{ containerName: 'b', condition: 'START' }] },
        ],
      },
      /unknown container "b"/,
    ],
  ])('parse rejects %#', (raw, message) => {
    expect(() => parseTaskDefinitionTemplate(raw, 'test.json')).toThrow(message);
  });
});
