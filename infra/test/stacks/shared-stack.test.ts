import { Match, Template } from 'aws-cdk-lib/assertions';
import { account } from '../../src/config/environments';
import { SharedStack } from '../../src/stacks/shared-stack';
import { type Json, testApp } from '../support/app';

const env = { account: '111122223333', region: account.region };
const synth = (config = account) => {
  const app = testApp();
  return Template.fromStack(new SharedStack(app, 'shared', { env, account: config }));
};

let template: Template;
beforeAll(() => {
  template = synth();
});

describe('registry', () => {
  it('creates the two repositories with scan on push and immutable tags except the build cache', () => {
    for (const name of ['ragchat/backend', 'ragchat/frontend']) {
      template.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: name,
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        ImageTagMutabilityExclusionFilters: [
          {
            ImageTagMutabilityExclusionFilterType: 'WILDCARD',
            ImageTagMutabilityExclusionFilterValue: 'buildcache',
          },
        ],
      });
    }
    template.resourceCountIs('AWS::ECR::Repository', 2);
    template.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
  });

  it('gives both repositories the registry lifecycle policy (its effect: test/constructs/registry.test.ts)', () => {
    const policies = Object.values(template.findResources('AWS::ECR::Repository')).map(
      (repository: Json) => repository.Properties.LifecyclePolicy.LifecyclePolicyText,
    );
    expect(policies).toHaveLength(2);
    expect(policies[0]).toBe(policies[1]);
    expect(JSON.parse(policies[0]).rules[0].selection.tagPatternList).toEqual(['bootstrap']);
  });

  it('mirrors public.ecr.aws for tasks without internet access', () => {
    template.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'ecr-public',
      UpstreamRegistryUrl: 'public.ecr.aws',
    });
  });
});

describe('GitHub deploy access', () => {
  const trust = () => {
    const role = Object.values(template.findResources('AWS::IAM::Role')).find(
      (r: Json) => r.Properties.RoleName === 'ragchat-github-deploy',
    ) as Json;
    return role.Properties.AssumeRolePolicyDocument.Statement[0];
  };

  it('creates the OIDC provider for GitHub with the STS audience', () => {
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('trusts exactly this repository: main, the named environments and pull requests', () => {
    const statement = trust();
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement.Condition.StringEquals).toEqual({
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
    });
    expect(
      statement.Condition['ForAnyValue:StringEquals']['token.actions.githubusercontent.com:sub'],
    ).toEqual([
      'repo:ragchat/ragchat:ref:refs/heads/main',
      'repo:ragchat/ragchat:environment:dev',
      'repo:ragchat/ragchat:environment:staging',
      'repo:ragchat/ragchat:environment:prod',
      'repo:ragchat/ragchat:pull_request',
    ]);
    expect(JSON.stringify(statement)).not.toContain('StringLike');
  });

  it('allows only named actions, pushes only to the two repositories and passes roles only to ECS tasks', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p: Json) => p.Properties.PolicyDocument.Statement,
    ) as Json[];
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
    }
    const push = statements.find((s) => [s.Action].flat().includes('ecr:PutImage'));
    expect(push.Resource).toHaveLength(2);
    const deleteImages = statements.filter((s) => [s.Action].flat().includes('ecr:BatchDeleteImage'));
    expect(deleteImages).toEqual([push]);
    const passRole = statements.find((s) => s.Action === 'iam:PassRole');
    expect(passRole.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    const ssm = statements.find((s) => s.Action === 'ssm:GetParameter');
    expect(ssm.Resource).toBe('arn:aws:ssm:us-east-1:111122223333:parameter/ragchat/*');
  });

  it('imports an existing provider instead of creating one when configured', () => {
    const imported = synth({
      ...account,
      oidcProvider: {
        create: false,
        arn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
      },
    });
    imported.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    imported.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: {
              Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
            },
          }),
        ],
      },
    });
  });
});
