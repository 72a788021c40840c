import { Template } from 'aws-cdk-lib/assertions';
import { account, environments } from '../../src/config/environments';
import { EnvironmentStack } from '../../src/stacks/environment-stack';
import { loadTaskDefinitionTemplate } from '../../src/task-definition/template';
import { buildApp, type Json, testApp } from '../support/app';

// What a later app deploy changes: the image digests (and a pull request in context). What a later
// GitOps commit changes: the task definition template. Neither may alter a CODE_DEPLOY service.
const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

const synthEdited = (templates?: ConstructorParameters<typeof EnvironmentStack>[2]['templates']) => {
  const app = testApp();
  return Template.fromStack(
    new EnvironmentStack(app, 'ragchat-staging', {
      env: { account: '111122223333', region: environments.staging.region },
      config: environments.staging,
      bootstrapImageTag: account.bootstrapImageTag,
      templates,
    }),
  );
};

const STABLE_TYPES = [
  'AWS::ECS::TaskDefinition',
  'AWS::ECS::Service',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::CodeDeploy::DeploymentGroup',
];

// The edited variant is built outside the app, which is what adds the project/environment tags.
const withoutTags = (resources: Record<string, Json>) =>
  Object.fromEntries(
    Object.entries(resources).map(([id, r]) => [
      id,
      { ...r, Properties: { ...r.Properties, Tags: undefined } },
    ]),
  );

let first: Template;
let second: Template;
let edited: Template;

beforeAll(() => {
  // Through the real app wiring, which is where per-deploy context enters.
  first = Template.fromStack(
    buildApp({ backendImageDigest: DIGEST_A, frontendImageDigest: DIGEST_A, pr: '7' }).stacks.environments
      .staging,
  );
  second = Template.fromStack(
    buildApp({ backendImageDigest: DIGEST_B, pr: '8' }).stacks.environments.staging,
  );
  const backend = loadTaskDefinitionTemplate('backend');
  edited = synthEdited({
    backend: {
      ...backend,
      containerDefinitions: backend.containerDefinitions.map((c) =>
        c.name === 'backend'
          ? { ...c, environment: [...(c.environment ?? []), { name: 'NEW_SETTING', value: '1' }] }
          : c,
      ),
    },
    frontend: loadTaskDefinitionTemplate('frontend'),
  });
});

describe('CODE_DEPLOY services are stable across app deploys', () => {
  it.each(STABLE_TYPES)('%s resources are identical whatever images are in context', (type) => {
    expect(Object.keys(first.findResources(type)).length).toBeGreaterThan(0);
    expect(second.findResources(type)).toEqual(first.findResources(type));
  });

  it('pins the task definition logical ids, so a refactor cannot silently replace them', () => {
    expect(Object.keys(first.findResources('AWS::ECS::TaskDefinition')).sort()).toEqual([
      'backendTaskDefinitionE6A2CA19',
      'frontendTaskDefinitionBB51AE13',
    ]);
  });

  it('points each service at its task family, not at a revision CloudFormation would have to update', () => {
    const services = Object.values(first.findResources('AWS::ECS::Service')) as Json[];
    expect(services.map((s) => s.Properties.TaskDefinition).sort()).toEqual([
      'ragchat-staging-backend',
      'ragchat-staging-frontend',
    ]);
    for (const service of services)
      expect(service.Properties.DeploymentController).toEqual({ Type: 'CODE_DEPLOY' });
  });

  it('keeps services, listeners and deployment groups unchanged when a template edit re-registers the first revision', () => {
    const backendFamily = (t: Template) =>
      (Object.values(t.findResources('AWS::ECS::TaskDefinition')) as Json[]).find(
        (d) => d.Properties.Family === 'ragchat-staging-backend',
      );
    expect(backendFamily(edited)).not.toEqual(backendFamily(first));
    for (const type of STABLE_TYPES.filter((t) => t !== 'AWS::ECS::TaskDefinition')) {
      expect(withoutTags(edited.findResources(type))).toEqual(withoutTags(first.findResources(type)));
    }
  });

  it('keeps the properties CloudFormation refuses to change on a CODE_DEPLOY service', () => {
    const immutable = [
      'LoadBalancers',
      'NetworkConfiguration',
      'CapacityProviderStrategy',
      'PlatformVersion',
      'ServiceRegistries',
    ];
    const pick = (t: Template) =>
      (Object.values(t.findResources('AWS::ECS::Service')) as Json[]).map((s) =>
        Object.fromEntries(immutable.map((key) => [key, s.Properties[key]])),
      );
    expect(pick(second)).toEqual(pick(first));
    expect(pick(edited)).toEqual(pick(first));
  });
});
