import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AppService } from '../../src/constructs/app-service/app-service';
import { GithubOidc } from '../../src/constructs/github-deploy-access/github-oidc';
import { LoadBalancer } from '../../src/constructs/load-balancer/load-balancer';
import { Network } from '../../src/constructs/network/network';
import { PreviewDatabase } from '../../src/constructs/preview-database/preview-database';
import { TaskIdentity } from '../../src/constructs/task-identity/task-identity';
import { TemplatedTaskDefinition } from '../../src/task-definition/templated-task-definition';
import { testApp } from '../support/app';

const newStack = () =>
  new Stack(testApp(), 'test', { env: { account: '111122223333', region: 'us-east-1' } });
const CERTIFICATE = 'arn:aws:acm:us-east-1:111122223333:certificate/abc';

describe('Network', () => {
  it('puts the app subnets behind NAT when NAT gateways are configured, and only then', () => {
    const stack = newStack();
    new Network(stack, 'Network', { cidr: '10.0.0.0/16', maxAzs: 2, natGateways: 1 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::Route', { NatGatewayId: Match.anyValue() });
  });

  it('rejects more NAT gateways than AZs', () => {
    expect(
      () => new Network(newStack(), 'Network', { cidr: '10.0.0.0/16', maxAzs: 2, natGateways: 3 }),
    ).toThrow(/natGateways \(3\) cannot exceed maxAzs \(2\)/);
  });
});

/** A load balancer signing users in through an OIDC provider (nothing else to create). */
function loadBalancerProps(vpc: ec2.IVpc) {
  return {
    vpc,
    certificateArn: CERTIFICATE,
    domainName: 'chat.example.com',
    auth: {
      kind: 'oidc' as const,
      settings: {
        kind: 'oidc' as const,
        issuer: 'https://idp.example.com',
        authorizationEndpoint: 'https://idp.example.com/authorize',
        tokenEndpoint: 'https://idp.example.com/token',
        userInfoEndpoint: 'https://idp.example.com/userinfo',
        clientId: 'ragchat',
        clientSecretName: 'ragchat-oidc',
        groupsClaim: 'groups',
      },
    },
    automationHeader: {
      name: 'x-ragchat-automation',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:automation',
    },
  };
}

describe('LoadBalancer', () => {
  let template: Template;
  beforeAll(() => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    new LoadBalancer(stack, 'Lb', { ...loadBalancerProps(vpc), testListenerCidrs: ['203.0.113.0/24'] });
    template = Template.fromStack(stack);
  });

  it('serves HTTPS on 443 with a modern policy and redirects HTTP to it', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE }],
      SslPolicy: Match.stringLikeRegexp('TLS13'),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({
          Type: 'redirect',
          RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8443,
      Protocol: 'HTTPS',
    });
  });

  it('opens the test listener to the configured CIDRs only', () => {
    const alb = Object.values(template.findResources('AWS::EC2::SecurityGroup')).find(
      (g) => g.Properties.GroupDescription === 'Public ALB',
    );
    const testIngress = (
      alb!.Properties.SecurityGroupIngress as { FromPort: number; CidrIp: string }[]
    ).filter((rule) => rule.FromPort === 8443);
    expect(testIngress.map((rule) => rule.CidrIp)).toEqual(['203.0.113.0/24']);
  });

  it('signs users in at the OIDC provider before forwarding', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [
        Match.objectLike({
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: Match.objectLike({
            Issuer: 'https://idp.example.com',
            ClientId: 'ragchat',
            ClientSecret: '{{resolve:secretsmanager:ragchat-oidc:SecretString:::}}',
          }),
        }),
        Match.objectLike({ Type: 'forward', Order: 2 }),
      ],
    });
  });

  it('rejects a test listener on a public port', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    expect(() => new LoadBalancer(stack, 'Lb', { ...loadBalancerProps(vpc), testListenerPort: 443 })).toThrow(
      /collides/,
    );
  });
});

describe('construct guards', () => {
  const template = {
    family: 'fam',
    networkMode: 'awsvpc' as const,
    requiresCompatibilities: ['FARGATE'] as const,
    cpu: '256',
    memory: '512',
    executionRoleArn: '{{outputs.executionRoleArn}}',
    taskRoleArn: '{{service.taskRoleArn}}',
    containerDefinitions: [
      {
        name: 'backend',
        image: 'img',
        secrets: [{ name: 'S', valueFrom: '{{outputs.secrets.databaseSecretArn}}' }],
      },
    ],
  };
  const roles = (stack: Stack) => ({
    execution: new iam.Role(stack, 'Exec', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    }),
    task: new iam.Role(stack, 'Task', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
  });
  const context = (executionRoleArn: string, taskRoleArn: string, secretArn: string) =>
    ({
      outputs: { executionRoleArn, secrets: { databaseSecretArn: secretArn } },
      service: { taskRoleArn, containerName: 'backend', environment: {} },
      image: {},
    }) as never;

  it('TemplatedTaskDefinition refuses a template whose roles are not the ones passed in', () => {
    const stack = newStack();
    const { execution, task } = roles(stack);
    const secret = new secretsmanager.Secret(stack, 'Secret');
    expect(
      () =>
        new TemplatedTaskDefinition(stack, 'Td', {
          template,
          context: context('arn:aws:iam::1:role/other', task.roleArn, secret.secretArn),
          executionRole: execution,
          taskRole: task,
          secrets: [secret],
        }),
    ).toThrow(/executionRoleArn does not resolve to the execution role/);
  });

  it('TemplatedTaskDefinition refuses a secret the stack does not provide', () => {
    const stack = newStack();
    const { execution, task } = roles(stack);
    const secret = new secretsmanager.Secret(stack, 'Secret');
    expect(
      () =>
        new TemplatedTaskDefinition(stack, 'Td', {
          template,
          context: context(execution.roleArn, task.roleArn, 'arn:aws:secretsmanager:us-east-1:1:secret:x'),
          executionRole: execution,
          taskRole: task,
          secrets: [secret],
        }),
    ).toThrow(/secret S does not reference a secret this stack provides/);
  });

  it('AppService refuses public subnets and inverted ranges', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const { execution, task } = roles(stack);
    const secret = new secretsmanager.Secret(stack, 'Secret');
    const taskDefinition = new TemplatedTaskDefinition(stack, 'Td', {
      template,
      context: context(execution.roleArn, task.roleArn, secret.secretArn),
      executionRole: execution,
      taskRole: task,
      secrets: [secret],
    });
    const props = {
      cluster,
      serviceName: 's',
      taskDefinition,
      containerName: 'backend',
      containerPort: 8000,
      securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
      deployment: 'rolling' as const,
      logGroup: { name: '/x', retention: 7 },
    };
    expect(
      () => new AppService(stack, 'Public', { ...props, subnets: { subnetType: ec2.SubnetType.PUBLIC } }),
    ).toThrow(/must not run in public subnets/);
    expect(
      () =>
        new AppService(stack, 'Range', {
          ...props,
          subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          count: { min: 3, max: 2 },
        }),
    ).toThrow(/1 <= min <= max/);
  });

  it('PreviewDatabase accepts only ragchat_pr_<number> names', () => {
    const stack = newStack();
    expect(
      () =>
        new PreviewDatabase(stack, 'Db', {
          databaseName: 'ragchat; DROP DATABASE ragchat',
          serviceToken: 'arn:aws:lambda:us-east-1:111122223333:function:p',
          host: 'db.example',
          port: '5432',
          secretName: 's',
        }),
    ).toThrow(/not a ragchat_pr_<number> name/);
  });

  it('TaskIdentity needs at least one model', () => {
    const stack = newStack();
    expect(
      () =>
        new TaskIdentity(stack, 'Id', {
          executionRoleName: 'e',
          taskRoleNames: { backend: 'b', frontend: 'f' },
          adminTokenSecretName: 'a',
          repositories: [],
          logGroupNames: [],
          databaseSecret: new secretsmanager.Secret(stack, 'Db'),
          modelIds: [],
        }),
    ).toThrow(/at least one Bedrock model/);
  });

  it('GithubOidc refuses a role nobody could assume and subjects that are not exact', () => {
    const oidc = new GithubOidc(newStack(), 'Gh', { owner: 'o', repo: 'r' });
    expect(() => oidc.principal([])).toThrow(/at least one subject/);
    expect(() => oidc.principal(['repo:o/r:environment:*'])).toThrow(/not an exact subject/);
    expect(() => oidc.principal(['repo:other/r:pull_request'])).toThrow(/not an exact subject/);
  });
});
