import { readFileSync } from 'node:fs';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { account, environments } from '../../src/config/environments';
import {
  AUTOMATION_RULE_PRIORITIES,
  BACKEND_RULE_PRIORITY,
  TEST_BACKEND_RULE_PRIORITY,
} from '../../src/constructs/load-balancer/load-balancer';
import { parseDeployOutputs } from '../../src/deploy-contract';
import {
  MAX_PREVIEW_PR,
  PreviewStack,
  previewBackendRulePriority,
  previewRulePriority,
} from '../../src/stacks/preview-stack';
import { flattenIntrinsics, type Json, testApp } from '../support/app';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const host = environments[account.previewHost];

const preview = (app: App, pr: number, digests: Record<string, string> = {}) =>
  new PreviewStack(app, `ragchat-pr-${pr}`, {
    env: { account: '111122223333', region: host.region },
    pr,
    host,
    hostAvailabilityZones: ['us-east-1a', 'us-east-1b'],
    imageDigests: digests,
    bootstrapImageTag: account.bootstrapImageTag,
  });

let pr42: Template;
let pr43: Template;

beforeAll(() => {
  const app = testApp();
  const first = preview(app, 42, { backend: DIGEST });
  const second = preview(app, 43);
  pr42 = Template.fromStack(first);
  pr43 = Template.fromStack(second);
});

const resources = (template: Template, type: string) => Object.values(template.findResources(type)) as Json[];

const hostListener = (key: 'listenerArn' | 'testListenerArn') => ({
  Ref: Match.stringLikeRegexp(`SsmParameterValueragchatdevpreviewhost${key}`),
});
const automationHeader = {
  Field: 'http-header',
  HttpHeaderConfig: {
    HttpHeaderName: 'x-ragchat-automation',
    Values: [
      {
        'Fn::Join': [
          '',
          [
            '{{resolve:secretsmanager:',
            { Ref: Match.stringLikeRegexp('^AutomationSecret') },
            ':SecretString:::}}',
          ],
        ],
      },
    ],
  },
};

describe('preview routing', () => {
  it('routes /pr-<n> and /pr-<n>/* on the host listener to the preview frontend, behind sign-in', () => {
    pr42.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 1042,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/pr-42', '/pr-42/*'] } }],
      ListenerArn: hostListener('listenerArn'),
      Actions: [
        Match.objectLike({ Type: 'authenticate-cognito', Order: 1 }),
        {
          Type: 'forward',
          Order: 2,
          TargetGroupArn: { Ref: Match.stringLikeRegexp('^FrontendTargetGroup') },
        },
      ],
    });
    pr42.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 3);
    pr42.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
  });

  it("lets its own secret header reach its frontend and backend on the host's test listener", () => {
    pr42.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 1042,
      ListenerArn: hostListener('testListenerArn'),
      Conditions: [
        automationHeader,
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/pr-42', '/pr-42/*'] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^FrontendTargetGroup') } }],
    });
    pr42.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: previewBackendRulePriority(42),
      ListenerArn: hostListener('testListenerArn'),
      Conditions: [
        automationHeader,
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*', '/health'] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^BackendTargetGroup') } }],
    });
    pr42.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ragchat-pr-42-automation',
      GenerateSecretString: { ExcludePunctuation: true, PasswordLength: 40 },
    });
    pr42.hasResourceProperties('AWS::ECS::Service', {
      ServiceName: 'ragchat-pr-42-backend',
      LoadBalancers: [
        Match.objectLike({ TargetGroupArn: { Ref: Match.stringLikeRegexp('^BackendTargetGroup') } }),
      ],
    });
  });

  it('gives every preview its own priorities, between the environment rules and its signed-in test route', () => {
    const priorities = [pr42, pr43].flatMap((t) =>
      resources(t, 'AWS::ElasticLoadBalancingV2::ListenerRule').map((rule) => rule.Properties.Priority),
    );
    expect(priorities.sort()).toEqual([1042, 1043, 1042, 1043, 25042, 25043].sort());
    const frontend = Array.from({ length: MAX_PREVIEW_PR }, (_, i) => previewRulePriority(i + 1));
    const backend = Array.from({ length: MAX_PREVIEW_PR }, (_, i) => previewBackendRulePriority(i + 1));
    expect(new Set([...frontend, ...backend]).size).toBe(2 * MAX_PREVIEW_PR);
    expect(Math.min(...frontend)).toBeGreaterThan(
      Math.max(BACKEND_RULE_PRIORITY, ...Object.values(AUTOMATION_RULE_PRIORITIES)),
    );
    expect(Math.max(...backend)).toBeLessThan(TEST_BACKEND_RULE_PRIORITY);
  });

  it.each([0, -3, 1.5, MAX_PREVIEW_PR + 1])('refuses PR number %p, which could not be routed', (pr) => {
    expect(() => previewRulePriority(pr)).toThrow(/outside/);
    expect(() => previewBackendRulePriority(pr)).toThrow(/outside/);
  });

  it('writes the preview URL and deploy outputs naming its test listener URL and its own secrets', () => {
    pr42.hasResourceProperties('AWS::SSM::Parameter', { Name: '/ragchat/pr-42/preview-url' });
    const parameter = resources(pr42, 'AWS::SSM::Parameter').find(
      (p) => p.Properties.Name === '/ragchat/pr-42/deploy-outputs',
    );
    const document = parseDeployOutputs(flattenIntrinsics(parameter?.Properties.Value), 'pr-42');
    expect(document.publicUrl).toBe('<token>/pr-42/');
    expect(document.testListenerUrl).toBe('<token>/pr-42/');
    expect(JSON.stringify(parameter?.Properties.Value)).toMatch(
      /testListenerUrl.*SsmParameterValueragchatdevpreviewhosttestListenerUrl/,
    );
    expect(JSON.stringify(parameter?.Properties.Value)).toMatch(
      /databaseSecretArn[^{]*\{"Ref":"DatabaseSecret.*adminTokenSecretArn[^{]*\{"Ref":"IdentityAdminToken.*automationSecretArn[^{]*\{"Ref":"AutomationSecret/,
    );
  });
});

describe('preview services', () => {
  it('runs both services with rolling deployments and circuit-breaker rollback, without public IPs', () => {
    const services = resources(pr42, 'AWS::ECS::Service');
    expect(services).toHaveLength(2);
    for (const service of services) {
      expect(service.Properties.DeploymentController).toEqual({ Type: 'ECS' });
      expect(service.Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({
        Enable: true,
        Rollback: true,
      });
      expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    }
  });

  it('reaches its own backend through Cloud Map and serves under its base path', () => {
    pr42.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 'backend-pr-42' });
    const frontend = resources(pr42, 'AWS::ECS::TaskDefinition').find(
      (t) => t.Properties.Family === 'ragchat-pr-42-frontend',
    );
    const env = JSON.stringify(frontend.Properties.ContainerDefinitions[0].Environment);
    expect(env).toContain('"Name":"BASE_PATH","Value":"/pr-42"');
    expect(env).toContain('http://backend-pr-42.');
  });

  it('runs the image digests from context, and the bootstrap tag without one', () => {
    const image = (template: Template, family: string) =>
      JSON.stringify(
        resources(template, 'AWS::ECS::TaskDefinition').find((t) => t.Properties.Family === family).Properties
          .ContainerDefinitions[0].Image,
      );
    expect(image(pr42, 'ragchat-pr-42-backend')).toContain(`ragchat-pr/backend@${DIGEST}`);
    expect(image(pr42, 'ragchat-pr-42-frontend')).toContain('ragchat/frontend:bootstrap');
    expect(image(pr43, 'ragchat-pr-43-backend')).toContain('ragchat/backend:bootstrap');
  });

  it('rejects a malformed digest', () => {
    const app = testApp();
    expect(() => preview(app, 44, { backend: 'latest' })).toThrow(/sha256:<64 hex>/);
  });

  it('reuses the host security groups and creates none of its own', () => {
    pr42.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    pr42.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });
});

describe('preview database', () => {
  it("creates ragchat_pr_<n> through the host's provider, and never sees the host's credentials", () => {
    pr42.hasResourceProperties('Custom::PreviewDatabase', {
      DatabaseName: 'ragchat_pr_42',
      ServiceToken: {
        Ref: Match.stringLikeRegexp('SsmParameterValueragchatdevpreviewhostdatabaseServiceToken'),
      },
      AdminSecretArn: Match.absent(),
    });
    pr42.hasResource('Custom::PreviewDatabase', { DeletionPolicy: 'Delete' });
    pr42.resourceCountIs('AWS::Lambda::Function', 0);
    // The host publishes no secret to previews: its attributes are ids, names and endpoints.
    const hostParameters = Object.values(pr42.toJSON().Parameters as Record<string, Json>).map(
      (p) => p.Default as string,
    );
    expect(hostParameters.filter((name) => /secret|password|credential/i.test(name))).toEqual([]);
    expect(JSON.stringify(pr42.toJSON())).not.toContain('ragchat-dev-db');
  });

  it('generates the preview credentials in the same shape as the host secret', () => {
    pr42.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ragchat-pr-42-db',
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'password',
        SecretStringTemplate: Match.anyValue(),
      }),
    });
    const secret = resources(pr42, 'AWS::SecretsManager::Secret').find(
      (s) => s.Properties.Name === 'ragchat-pr-42-db',
    );
    const template = JSON.stringify(secret.Properties.GenerateSecretString.SecretStringTemplate);
    for (const field of ['username', 'dbname', 'host', 'port', 'engine']) expect(template).toContain(field);
  });

  it('gives the preview backend only its own database secret', () => {
    const backend = resources(pr42, 'AWS::ECS::TaskDefinition').find(
      (t) => t.Properties.Family === 'ragchat-pr-42-backend',
    );
    const dbSecret = backend.Properties.ContainerDefinitions[0].Secrets.find(
      (s: Json) => s.Name === 'DB_SECRET',
    );
    expect(JSON.stringify(dbSecret.ValueFrom)).toMatch(/DatabaseSecret/);
    expect(JSON.stringify(dbSecret.ValueFrom)).not.toMatch(/preview-?host/i);
  });
});

describe('what the preview deployer must be able to create', () => {
  const all = () => Object.values(pr42.toJSON().Resources) as Json[];

  it('bounds every role the stack creates by the preview boundary', () => {
    const roles = resources(pr42, 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      expect(JSON.stringify(role.Properties.PermissionsBoundary)).toContain(
        ':policy/ragchat-preview-boundary',
      );
    }
  });

  it('names every resource it names ragchat-pr-<n> (or /ragchat/pr-<n>), the deployer scope', () => {
    const nameKeys = ['RoleName', 'Name', 'LogGroupName', 'ServiceName', 'Family', 'FunctionName'];
    // The Cloud Map service is named backend-pr-<n> and confined by its tag instead.
    const names = all()
      .filter((r) => r.Type !== 'AWS::ServiceDiscovery::Service')
      .flatMap((r) =>
        nameKeys
          .map((key) => r.Properties?.[key])
          .filter((value): value is string => typeof value === 'string'),
      );
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(name).toMatch(/^(ragchat-pr-42|\/ragchat\/pr-42\/)/);
    pr42.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Name: 'ragchat-pr-42' });
  });

  it('tags the listener rule and the Cloud Map service as the preview, which is what lets it change them', () => {
    for (const type of ['AWS::ElasticLoadBalancingV2::ListenerRule', 'AWS::ServiceDiscovery::Service']) {
      pr42.hasResourceProperties(type, { Tags: Match.arrayWith([{ Key: 'environment', Value: 'pr-42' }]) });
    }
  });

  it('keeps old task definition revisions instead of deregistering them', () => {
    for (const definition of Object.values(pr42.findResources('AWS::ECS::TaskDefinition')) as Json[]) {
      expect(definition.DeletionPolicy).toBe('Retain');
      expect(definition.UpdateReplacePolicy).toBe('Retain');
    }
  });
});

describe('how the preview is published', () => {
  it('publishes its template to the preview bucket with the CLI credentials, through no bootstrap role', () => {
    const app = testApp();
    preview(app, 7);
    const artifact = app.synth().getStackByName('ragchat-pr-7');
    expect(artifact.assumeRoleArn).toBeUndefined();
    expect(artifact.cloudFormationExecutionRoleArn).toBeUndefined();
    const manifest = artifact.dependencies.find((d) => d.id.endsWith('.assets')) as Json;
    const files = JSON.parse(readFileSync(manifest.file, 'utf8')).files as Json;
    const destinations = Object.values(files).flatMap((f: Json) => Object.values(f.destinations)) as Json[];
    expect(destinations.length).toBeGreaterThan(0);
    for (const destination of destinations) {
      expect(destination.bucketName).toBe('ragchat-pr-assets-111122223333-us-east-1');
      expect(destination.assumeRoleArn).toBeUndefined();
    }
  });
});
