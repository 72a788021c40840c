import { Match, Template } from 'aws-cdk-lib/assertions';
import { account, environments } from '../../src/config/environments';
import { type DeployOutputsDocument, parseDeployOutputs } from '../../src/deploy-contract';
import { EnvironmentStack } from '../../src/stacks/environment-stack';
import { renderTaskDefinition } from '../../src/task-definition/render';
import { loadTaskDefinitionTemplate } from '../../src/task-definition/template';
import { buildApp, flattenIntrinsics, type Json, testApp } from '../support/app';

let dev: Template;
let staging: Template;
let prod: Template;

beforeAll(() => {
  const { stacks } = buildApp();
  dev = Template.fromStack(stacks.environments.dev);
  staging = Template.fromStack(stacks.environments.staging);
  prod = Template.fromStack(stacks.environments.prod);
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (template: Template, type: string): Resources => template.findResources(type) as Resources;
const only = <T>(values: T[]): T => {
  expect(values).toHaveLength(1);
  return values[0]!;
};
/** The deploy outputs parameter's value, read back by the parser the deploy actions use. */
const deployOutputs = (template: Template): DeployOutputsDocument => {
  const parameter = only(
    Object.values(resources(template, 'AWS::SSM::Parameter')).filter((p) =>
      String(p.Properties.Name).endsWith('/deploy-outputs'),
    ),
  );
  return parseDeployOutputs(flattenIntrinsics(parameter.Properties.Value), String(parameter.Properties.Name));
};

describe('network', () => {
  it('has public, app and data subnets and never maps public IPs', () => {
    dev.resourceCountIs('AWS::EC2::Subnet', 6);
    prod.resourceCountIs('AWS::EC2::Subnet', 9);
    for (const subnet of Object.values(resources(dev, 'AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
  });

  it('has no NAT gateway by default', () => {
    for (const template of [dev, staging, prod]) template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('has the S3 gateway endpoint and every interface endpoint the tasks need', () => {
    const endpoints = Object.values(resources(dev, 'AWS::EC2::VPCEndpoint'));
    const services = endpoints.map((e) => JSON.stringify(e.Properties.ServiceName));
    for (const name of [
      's3',
      'bedrock-runtime',
      'ecr.api',
      'ecr.dkr',
      'logs',
      'secretsmanager',
      'xray',
      'ecs',
      'ecs-agent',
      'ecs-telemetry',
    ]) {
      expect(
        services.some((s) => s.includes(`.${name}"`) || s.endsWith(`.${name}`) || s.includes(`${name}"`)),
      ).toBe(true);
    }
    const gateway = endpoints.filter((e) => e.Properties.VpcEndpointType === 'Gateway');
    expect(gateway).toHaveLength(1);
    for (const endpoint of endpoints.filter((e) => e.Properties.VpcEndpointType === 'Interface')) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    }
  });

  it('lets only the VPC reach the endpoints, on 443 only', () => {
    dev.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('VPC interface endpoints'),
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '10.10.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      ],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  it('records all traffic in flow logs', () => {
    dev.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', ResourceType: 'VPC' });
  });
});

describe('database', () => {
  it('runs PostgreSQL 17 encrypted, private, with Performance Insights and log export', () => {
    dev.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      EnablePerformanceInsights: true,
      EnableCloudwatchLogsExports: ['postgresql'],
      DBName: 'ragchat',
    });
  });

  // A pinned minor (17.5) stops new environments once RDS deprecates it, and fights the automatic
  // minor upgrades: CloudFormation would try to move an upgraded instance back.
  it('asks for the major version only and lets RDS apply minor upgrades', () => {
    for (const template of [dev, staging, prod]) {
      template.hasResourceProperties('AWS::RDS::DBInstance', {
        EngineVersion: '17',
        AutoMinorVersionUpgrade: true,
      });
    }
  });

  it('generates credentials (with dbname) into Secrets Manager and never inlines a password', () => {
    dev.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ragchat-dev-db',
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: Match.stringLikeRegexp('"dbname":"ragchat"'),
      }),
    });
    const instance = only(Object.values(resources(dev, 'AWS::RDS::DBInstance')));
    expect(JSON.stringify(instance.Properties.MasterUserPassword)).toContain('resolve:secretsmanager');
  });

  it('lives in the isolated data subnets', () => {
    const group = only(Object.values(resources(dev, 'AWS::RDS::DBSubnetGroup')));
    expect(JSON.stringify(group.Properties.SubnetIds)).toMatch(/dataSubnet/);
  });

  it('admits exactly one ingress: PostgreSQL from the backend tasks', () => {
    const databaseGroup = Object.entries(resources(dev, 'AWS::EC2::SecurityGroup')).find(([, g]) =>
      String(g.Properties.GroupDescription).startsWith('PostgreSQL'),
    )![0];
    const ingress = Object.values(resources(dev, 'AWS::EC2::SecurityGroupIngress')).filter((rule) =>
      JSON.stringify(rule.Properties.GroupId).includes(databaseGroup),
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.Properties).toMatchObject({ FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' });
    expect(JSON.stringify(ingress[0]!.Properties.SourceSecurityGroupId)).toContain('SecurityGroupsbackend');
  });

  it('is multi-AZ with deletion protection and long backups in prod only', () => {
    prod.hasResourceProperties('AWS::RDS::DBInstance', {
      MultiAZ: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 30,
    });
    prod.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Retain' });
    for (const template of [dev, staging]) {
      template.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: false, DeletionProtection: false });
      template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot' });
    }
  });
});

describe('load balancer', () => {
  it('is internet-facing, drops invalid headers and writes access logs to an encrypted private bucket', () => {
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
    dev.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    dev.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has a public HTTP listener and a CodeDeploy test listener on 8443, and no HTTPS without a certificate', () => {
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8443, Protocol: 'HTTP' });
    dev.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    expect(JSON.stringify(resources(dev, 'AWS::ElasticLoadBalancingV2::Listener'))).not.toContain('HTTPS');
  });

  it('has a blue and a green target group per service with health checks', () => {
    dev.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 4);
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8000,
      TargetType: 'ip',
      HealthCheckPath: '/health',
    });
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3000,
      TargetType: 'ip',
      HealthCheckPath: '/health',
    });
  });

  it('routes /api/* and /health to the backend on both listeners, everything else to the frontend', () => {
    const rules = Object.values(resources(dev, 'AWS::ElasticLoadBalancingV2::ListenerRule'));
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.Properties.Priority).toBe(10);
      expect(rule.Properties.Conditions).toEqual([
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*', '/health'] } },
      ]);
    }
    // Which pair each route forwards into: the live lookup resolves the colour.
    const lookup = only(Object.values(resources(dev, 'Custom::LiveTargetGroups')));
    expect(JSON.stringify(lookup.Properties.Services)).toMatch(
      /"Name":"backend","RulePriority":"10","Blue":\{"Ref":"LoadBalancerbackendBlue[^"]*"\},"Green":\{"Ref":"LoadBalancerbackendGreen/,
    );
    expect(JSON.stringify(lookup.Properties.Services)).toMatch(
      /"Name":"frontend","RulePriority":"default","Blue":\{"Ref":"LoadBalancerfrontendBlue[^"]*"\},"Green":\{"Ref":"LoadBalancerfrontendGreen/,
    );
  });

  // At rest the test listener must route like production: CodeDeploy moves only the deployed service's
  // route to its replacement target group, so the other service's test route must reach live tasks.
  // CodeDeploy docs: "The listener for your test traffic can use either of your target groups."
  it('routes the test listener to the target groups production uses', () => {
    const listeners = Object.values(resources(dev, 'AWS::ElasticLoadBalancingV2::Listener'));
    const byPort = (port: number) => only(listeners.filter((l) => l.Properties.Port === port));
    const publicListener = byPort(80);
    const testListener = byPort(8443);
    expect(testListener.Properties.DefaultActions).toEqual(publicListener.Properties.DefaultActions);
    const rules = Object.values(resources(dev, 'AWS::ElasticLoadBalancingV2::ListenerRule'));
    const ruleActions = rules.map((rule) => JSON.stringify(rule.Properties.Actions));
    expect(ruleActions).toHaveLength(2);
    expect(ruleActions[0]).toEqual(ruleActions[1]);
  });

  // CodeDeploy rewrites the forward targets; CloudFormation must not own them, or an update that
  // touches a listener after an odd number of deployments routes production to the idle group.
  it('forwards only to the live target groups the lookup reads from the load balancer, never a fixed colour', () => {
    const lookups = Object.keys(dev.findResources('Custom::LiveTargetGroups'));
    expect(lookups).toHaveLength(1);
    const live = (service: string) => ({ 'Fn::GetAtt': [lookups[0], service] });
    const forwardsTo = (actions: Json) => {
      expect(actions).toHaveLength(1);
      expect(actions[0].Type).toBe('forward');
      return actions[0].TargetGroupArn ?? actions[0].ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
    };
    for (const listener of Object.values(resources(dev, 'AWS::ElasticLoadBalancingV2::Listener'))) {
      expect(forwardsTo(listener.Properties.DefaultActions)).toEqual(live('frontend'));
    }
    for (const rule of Object.values(resources(dev, 'AWS::ElasticLoadBalancingV2::ListenerRule'))) {
      expect(forwardsTo(rule.Properties.Actions)).toEqual(live('backend'));
    }
  });

  it('reads the live state again exactly when the listener layout changes', () => {
    const layout = (config: typeof environments.staging) => {
      const stack = new EnvironmentStack(testApp(), 'ragchat-staging', {
        env: { account: '111122223333', region: config.region },
        config,
        bootstrapImageTag: account.bootstrapImageTag,
      });
      return only(Object.values(resources(Template.fromStack(stack), 'Custom::LiveTargetGroups'))).Properties
        .Layout;
    };
    const plain = layout(environments.staging);
    expect(layout(environments.staging)).toBe(plain);
    const https = layout({
      ...environments.staging,
      loadBalancer: {
        ...environments.staging.loadBalancer,
        domainName: 'chat.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc',
      },
    });
    expect(https).not.toBe(plain);
  });

  it('allows 80 and the test port from anywhere and nothing else in; reaches only the two services', () => {
    const alb = Object.values(resources(dev, 'AWS::EC2::SecurityGroup')).find(
      (g) => g.Properties.GroupDescription === 'Public ALB',
    )!;
    expect(alb.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 }),
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 8443, ToPort: 8443 }),
    ]);
    const egress = Object.values(resources(dev, 'AWS::EC2::SecurityGroupEgress')).filter((rule) =>
      JSON.stringify(rule.Properties.GroupId).includes('LoadBalancerSecurityGroup'),
    );
    expect(egress.map((rule) => rule.Properties.FromPort).sort()).toEqual([3000, 8000]);
  });

  it('protects the prod load balancer from deletion', () => {
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
  });
});

describe('services', () => {
  it('has a cluster with Container Insights and both Fargate capacity providers', () => {
    dev.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: 'ragchat-dev',
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    dev.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
    });
  });

  it('runs both services under CodeDeploy in the app subnets without public IPs', () => {
    for (const service of Object.values(resources(dev, 'AWS::ECS::Service'))) {
      expect(service.Properties.DeploymentController).toEqual({ Type: 'CODE_DEPLOY' });
      const network = (service.Properties.NetworkConfiguration as Json).AwsvpcConfiguration;
      expect(network.AssignPublicIp).toBe('DISABLED');
      expect(JSON.stringify(network.Subnets)).toMatch(/appSubnet/);
      expect(JSON.stringify(network.Subnets)).not.toMatch(/public/i);
    }
  });

  it('registers only the backend in Cloud Map', () => {
    dev.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', { Name: 'ragchat-dev.local' });
    dev.resourceCountIs('AWS::ServiceDiscovery::Service', 1);
    dev.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 'backend' });
    dev.hasResourceProperties('AWS::ECS::Service', {
      ServiceName: 'ragchat-dev-frontend',
      ServiceRegistries: Match.absent(),
    });
  });

  it('uses FARGATE_SPOT in dev and FARGATE in staging and prod', () => {
    dev.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    prod.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    });
  });

  it('autoscales prod between 2 and 4 tasks on 70 % CPU and does not autoscale dev', () => {
    prod.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 2);
    prod.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 4,
    });
    prod.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
    dev.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  it('only lets the load balancer and the frontend reach the backend, and the load balancer the frontend', () => {
    const ingress = Object.values(resources(dev, 'AWS::EC2::SecurityGroupIngress')).map((rule) => ({
      to: JSON.stringify(rule.Properties.GroupId),
      from: JSON.stringify(rule.Properties.SourceSecurityGroupId),
      port: rule.Properties.FromPort,
    }));
    const into = (group: string) => ingress.filter((rule) => rule.to.includes(group));
    expect(
      into('SecurityGroupsbackend').map((r) => [
        r.port,
        /LoadBalancer|SecurityGroupsfrontend/.exec(r.from)?.[0],
      ]),
    ).toEqual(
      expect.arrayContaining([
        [8000, 'LoadBalancer'],
        [8000, 'SecurityGroupsfrontend'],
      ]),
    );
    expect(into('SecurityGroupsbackend')).toHaveLength(2);
    expect(into('SecurityGroupsfrontend')).toHaveLength(1);
    expect(into('SecurityGroupsfrontend')[0]).toMatchObject({ port: 3000 });
  });

  it('sets log retention per environment on the service log groups', () => {
    dev.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/ragchat/dev/backend',
      RetentionInDays: 7,
    });
    prod.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/ragchat/prod/frontend',
      RetentionInDays: 30,
    });
  });
});

describe('task definitions (first revision from infra/taskdefs)', () => {
  const containers = (template: Template, family: string): Json[] =>
    only(
      Object.values(resources(template, 'AWS::ECS::TaskDefinition')).filter(
        (t) => t.Properties.Family === family,
      ),
    ).Properties.ContainerDefinitions as Json[];

  it('renders the backend template: containers, health checks, secrets, readonly roots, logs', () => {
    const [backend, collector] = containers(dev, 'ragchat-dev-backend');
    const template = loadTaskDefinitionTemplate('backend');
    expect(backend.Name).toBe('backend');
    expect(backend.HealthCheck.Command).toEqual(template.containerDefinitions[0]!.healthCheck!.command);
    expect(backend.ReadonlyRootFilesystem).toBe(true);
    expect(backend.Secrets.map((s: { Name: string }) => s.Name).sort()).toEqual(['ADMIN_TOKEN', 'DB_SECRET']);
    expect(backend.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': '/ragchat/dev/backend',
        'awslogs-region': 'us-east-1',
        'awslogs-stream-prefix': 'backend',
      },
    });
    expect(backend.DependsOn).toEqual([{ ContainerName: 'otel-collector', Condition: 'START' }]);
    expect(collector.Name).toBe('otel-collector');
    expect(JSON.stringify(collector.Image)).toContain(
      '/ecr-public/aws-observability/aws-otel-collector:v0.43.3',
    );
  });

  it('runs the fixed bootstrap image, never a digest', () => {
    for (const family of ['ragchat-dev-backend', 'ragchat-dev-frontend']) {
      const image = JSON.stringify(containers(dev, family)[0].Image);
      expect(image).toMatch(/:bootstrap"/);
      expect(image).not.toContain('sha256');
    }
  });

  it('merges the deploy outputs environment into the service container', () => {
    const env = Object.fromEntries(
      containers(prod, 'ragchat-prod-backend')[0].Environment.map((e: { Name: string; Value: string }) => [
        e.Name,
        e.Value,
      ]),
    );
    expect(env).toMatchObject({
      ENVIRONMENT: 'prod',
      PROVIDER: 'bedrock',
      LOG_LEVEL: 'info',
      EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
      GENERATION_MODEL_ID: 'meta.llama3-8b-instruct-v1:0',
      TRACE_SAMPLE_RATE: '0.05',
    });
  });

  it("gives the frontend, where a request's trace starts, the environment's sample rate", () => {
    const env = Object.fromEntries(
      containers(prod, 'ragchat-prod-frontend')[0].Environment.map((e: { Name: string; Value: string }) => [
        e.Name,
        e.Value,
      ]),
    );
    expect(env).toMatchObject({ OTEL_EXPORTER: 'otlp', TRACE_SAMPLE_RATE: '0.05' });
  });

  it('sizes tasks per environment', () => {
    dev.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'ragchat-dev-backend',
      Cpu: '512',
      Memory: '1024',
    });
    prod.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'ragchat-prod-backend',
      Cpu: '1024',
      Memory: '2048',
    });
  });
});

describe('IAM', () => {
  const policyOf = (template: Template, roleName: string): Json[] => {
    const [logicalId] = Object.entries(resources(template, 'AWS::IAM::Role')).find(
      ([, r]) => r.Properties.RoleName === roleName,
    )!;
    return Object.values(resources(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(logicalId))
      .flatMap((p) => (p.Properties.PolicyDocument as Json).Statement);
  };

  it('lets the backend task invoke exactly the two configured foundation models', () => {
    const bedrock = policyOf(dev, 'ragchat-dev-backend-task').filter((s) =>
      JSON.stringify(s.Action).includes('bedrock'),
    );
    expect(bedrock).toEqual([
      expect.objectContaining({
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: [
          'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0',
          'arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0',
        ],
      }),
    ]);
  });

  it('gives the frontend task no Bedrock or secret access', () => {
    const statements = JSON.stringify(policyOf(dev, 'ragchat-dev-frontend-task'));
    expect(statements).not.toContain('bedrock');
    expect(statements).not.toContain('secretsmanager');
  });

  it('lets the execution role read exactly the database and admin-token secrets', () => {
    const reads = policyOf(dev, 'ragchat-dev-execution').filter((s) =>
      JSON.stringify(s.Action).includes('secretsmanager'),
    );
    const resourcesRead = new Set(reads.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r)));
    expect(
      [...resourcesRead].every((r) =>
        /DatabaseInstanceSecretAttachment|DatabaseAdminSecret|IdentityAdminToken/.test(r),
      ),
    ).toBe(true);
    expect(resourcesRead.size).toBe(2);
  });

  it('lets the execution role pull only the two repositories and the public mirror', () => {
    const pulls = policyOf(dev, 'ragchat-dev-execution').find((s) =>
      JSON.stringify(s.Action).includes('ecr:BatchGetImage'),
    );
    expect(JSON.stringify(pulls.Resource)).toContain('repository/ragchat/backend');
    expect(JSON.stringify(pulls.Resource)).toContain('repository/ragchat/frontend');
    expect(pulls.Resource).toHaveLength(3);
  });
});

describe('delivery', () => {
  it('has one CodeDeploy ECS application and a deployment group per service with auto-rollback', () => {
    dev.hasResourceProperties('AWS::CodeDeploy::Application', {
      ApplicationName: 'ragchat-dev',
      ComputePlatform: 'ECS',
    });
    dev.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 2);
    for (const group of Object.values(resources(dev, 'AWS::CodeDeploy::DeploymentGroup'))) {
      expect(group.Properties.AutoRollbackConfiguration).toEqual({
        Enabled: true,
        Events: expect.arrayContaining([
          'DEPLOYMENT_FAILURE',
          'DEPLOYMENT_STOP_ON_REQUEST',
          'DEPLOYMENT_STOP_ON_ALARM',
        ]),
      });
      expect((group.Properties.AlarmConfiguration as Json).Alarms).toHaveLength(2);
      expect(group.Properties.DeploymentStyle).toEqual({
        DeploymentOption: 'WITH_TRAFFIC_CONTROL',
        DeploymentType: 'BLUE_GREEN',
      });
      expect((group.Properties.BlueGreenDeploymentConfiguration as Json).DeploymentReadyOption).toEqual({
        ActionOnTimeout: 'STOP_DEPLOYMENT',
        WaitTimeInMinutes: 30,
      });
    }
  });

  it('shifts all at once in dev and staging and by canary in prod', () => {
    for (const template of [dev, staging]) {
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        DeploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      });
    }
    prod.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
    });
    expect(JSON.stringify(resources(prod, 'AWS::CodeDeploy::DeploymentGroup'))).not.toContain('AllAtOnce');
  });

  it('rolls back on target 5xx and unhealthy hosts across both target groups', () => {
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('backend: target 5xx'),
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'FILL(blue, 0) + FILL(green, 0)' })]),
    });
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('frontend: unhealthy targets'),
    });
  });
});

describe('monitoring and security', () => {
  it('graphs the backend timings under the namespace and dimension the backend emits', () => {
    const body = JSON.stringify(
      Object.values(resources(dev, 'AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody,
    );
    for (const metric of ['EmbeddingLatency', 'RetrievalLatency', 'GenerationLatency', 'QueryLatency']) {
      expect(body).toContain(`[\\"Ragchat\\",\\"${metric}\\",\\"Environment\\",\\"dev\\"`);
    }
  });

  it('sends alarms to a KMS-encrypted topic and has a dashboard', () => {
    dev.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'ragchat-dev-alarms',
      KmsMasterKeyId: Match.anyValue(),
    });
    dev.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    dev.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const alarm of Object.values(resources(dev, 'AWS::CloudWatch::Alarm'))) {
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('MonitoringTopic');
    }
  });

  // One detector per account and Region: creating one where the account (or its organization)
  // already has one fails the stack, so prod uses the existing detector unless told to create it.
  it('creates no GuardDuty detector by default, and lets prod tasks pull the runtime agent', () => {
    for (const template of [dev, staging, prod]) template.resourceCountIs('AWS::GuardDuty::Detector', 0);
    const agentPull = (template: Template) =>
      JSON.stringify(resources(template, 'AWS::IAM::Policy')).includes('aws-guardduty-agent-fargate');
    expect(agentPull(prod)).toBe(true);
    expect(agentPull(dev)).toBe(false);
  });

  it('creates the detector with Fargate runtime monitoring only when configured to', () => {
    const stack = new EnvironmentStack(testApp(), 'ragchat-prod', {
      env: { account: '111122223333', region: environments.prod.region },
      config: { ...environments.prod, guardDuty: 'create-detector' },
      bootstrapImageTag: account.bootstrapImageTag,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::GuardDuty::Detector', {
      Features: [Match.objectLike({ Name: 'RUNTIME_MONITORING', Status: 'ENABLED' })],
    });
  });
});

describe('deploy outputs', () => {
  it.each(['dev', 'staging', 'prod'] as const)('%s writes a document the deploy actions accept', (env) => {
    const template = { dev, staging, prod }[env];
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `/ragchat/${env}/deploy-outputs`,
      Type: 'String',
    });
    const document = deployOutputs(template);
    expect(Object.keys(document.services).sort()).toEqual(['backend', 'frontend']);
    expect(document).toMatchObject({
      schemaVersion: 1,
      environment: env,
      clusterName: `ragchat-${env}`,
      codeDeployApplication: `ragchat-${env}`,
      services: {
        backend: {
          containerName: 'backend',
          containerPort: 8000,
          deploymentGroup: `ragchat-${env}-backend`,
          logGroup: `/ragchat/${env}/backend`,
        },
        frontend: {
          containerName: 'frontend',
          containerPort: 3000,
          serviceName: `ragchat-${env}-frontend`,
        },
      },
    });
    expect(document.services.frontend?.environment.BACKEND_URL).toBe(
      `http://backend.ragchat-${env}.local:8000`,
    );
    expect(document.testListenerUrl).toMatch(/:8443$/);
  });

  // The AppSpec repeats this so CodeDeploy's replacement tasks run where the service does (Spot in dev).
  it.each([
    ['dev', 'FARGATE_SPOT'],
    ['staging', 'FARGATE'],
    ['prod', 'FARGATE'],
  ] as const)('publishes the capacity provider strategy the %s services run on (%s)', (env, provider) => {
    const template = { dev, staging, prod }[env];
    const document = deployOutputs(template);
    for (const service of Object.values(resources(template, 'AWS::ECS::Service'))) {
      expect(service.Properties.CapacityProviderStrategy).toEqual([
        { CapacityProvider: provider, Weight: 1 },
      ]);
    }
    for (const name of ['backend', 'frontend']) {
      expect(document.services[name]?.capacityProviderStrategy).toEqual([
        { capacityProvider: provider, weight: 1 },
      ]);
    }
  });

  it('resolves every placeholder of both templates from the document CDK writes', () => {
    const document = deployOutputs(staging);
    for (const name of ['backend', 'frontend'] as const) {
      const service = document.services[name];
      if (service === undefined) throw new Error(`no ${name} in the deploy outputs`);
      const rendered = renderTaskDefinition(loadTaskDefinitionTemplate(name), {
        outputs: document as DeployOutputsDocument<typeof name>,
        service,
        image: { [name]: `${service.repositoryUri}@sha256:${'a'.repeat(64)}` },
      });
      expect(rendered.family).toBe(`ragchat-staging-${name}`);
      expect(JSON.stringify(rendered)).not.toContain('{{');
    }
  });

  it('publishes what preview stacks borrow, in the preview host only, without its database credentials', () => {
    for (const key of [
      'vpcId',
      'appSubnetIds',
      'listenerArn',
      'databaseHost',
      'databaseServiceToken',
      'backendSecurityGroupId',
    ]) {
      dev.hasResourceProperties('AWS::SSM::Parameter', { Name: `/ragchat/dev/preview-host/${key}` });
    }
    const names = Object.values(dev.findResources('AWS::SSM::Parameter')).map((p: Json) => p.Properties.Name);
    expect(names).not.toContain('/ragchat/dev/preview-host/databaseSecretArn');
    for (const other of [staging, prod]) {
      expect(JSON.stringify(other.findResources('AWS::SSM::Parameter'))).not.toContain('preview-host');
    }
  });

  it("runs the preview database provider in the host, reading the host's admin secret from its own configuration", () => {
    dev.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'ragchat-dev-preview-database' });
    const handler = (Object.values(dev.findResources('AWS::Lambda::Function')) as Json[]).find((f) =>
      String(f.Properties.Description).includes('preview databases'),
    );
    expect(handler.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    // Bundled with pg as an asset, not a hand-written client inlined into the template.
    expect(handler.Properties.Code).toEqual({
      S3Bucket: expect.anything(),
      S3Key: expect.stringMatching(/\.zip$/),
    });
    expect(handler.Properties.Environment.Variables).toEqual({
      ADMIN_SECRET_ARN: { Ref: expect.stringMatching(/^DatabaseAdminSecret/) },
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    });
    for (const other of [staging, prod]) {
      expect(JSON.stringify(other.findResources('AWS::Lambda::Function'))).not.toContain('preview-database');
    }
  });
});

describe('an environment with a domain and certificate', () => {
  it('publishes the https domain as the public URL and serves the test listener over HTTPS', () => {
    const config = {
      ...environments.staging,
      loadBalancer: {
        ...environments.staging.loadBalancer,
        domainName: 'chat.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc',
      },
    };
    const stack = new EnvironmentStack(testApp(), 'ragchat-staging', {
      env: { account: '111122223333', region: config.region },
      config,
      bootstrapImageTag: account.bootstrapImageTag,
    });
    const template = Template.fromStack(stack);
    const document = deployOutputs(template);
    expect(document.publicUrl).toBe('https://chat.example.com');
    // The certificate names the domain, not the ALB's DNS name, so curl must address the domain.
    expect(document.testListenerUrl).toBe('https://chat.example.com:8443');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
  });
});
