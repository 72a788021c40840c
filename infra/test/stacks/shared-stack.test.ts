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
    template.resourceCountIs('AWS::ECR::Repository', 4);
    template.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
  });

  it('gives both repositories the registry lifecycle policy (its effect: test/constructs/registry.test.ts)', () => {
    const policies = Object.values(template.findResources('AWS::ECR::Repository'))
      .filter((repository: Json) => String(repository.Properties.RepositoryName).startsWith('ragchat/'))
      .map((repository: Json) => repository.Properties.LifecyclePolicy.LifecyclePolicyText);
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

describe('preview artifacts', () => {
  it('keeps preview images in repositories of their own, apart from the release ones', () => {
    for (const name of ['ragchat-pr/backend', 'ragchat-pr/frontend']) {
      template.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: name,
        ImageScanningConfiguration: { ScanOnPush: true },
      });
    }
  });

  it('publishes preview templates to a private, expiring bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'ragchat-pr-assets-111122223333-us-east-1',
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
    });
  });
});

describe('GitHub roles', () => {
  const role = (name: string) =>
    Object.values(template.findResources('AWS::IAM::Role')).find(
      (r: Json) => r.Properties.RoleName === name,
    ) as Json;
  const trust = (name: string) => role(name).Properties.AssumeRolePolicyDocument.Statement[0];

  it('creates the OIDC provider for GitHub with the STS audience, once', () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it.each([
    ['ragchat-github-preview', ['repo:ragchat/ragchat:pull_request'], 7200],
    [
      'ragchat-github-release',
      [
        'repo:ragchat/ragchat:ref:refs/heads/main',
        'repo:ragchat/ragchat:environment:dev',
        'repo:ragchat/ragchat:environment:staging',
      ],
      21600,
    ],
    ['ragchat-github-prod', ['repo:ragchat/ragchat:environment:prod'], 21600],
  ])('%s trusts exactly %j, for sessions up to %i s', (name, subjects, seconds) => {
    const statement = trust(name);
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': subjects,
      },
    });
    expect(role(name).Properties.MaxSessionDuration).toBe(seconds);
  });

  it('outputs each role ARN under the name its repository variable derives from', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['PreviewRoleArn', 'ReleaseRoleArn', 'ProdRoleArn']));
    expect(outputs).not.toContain('DeployRoleArn');
  });

  it('has CloudFormation assume the preview deployer only, and bounds what the deployer creates', () => {
    expect(trust('ragchat-preview-deployer').Principal).toEqual({ Service: 'cloudformation.amazonaws.com' });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      ManagedPolicyName: 'ragchat-preview-boundary',
    });
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
      RoleName: 'ragchat-github-prod',
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

  it('creates no preview role when pull requests may not use AWS', () => {
    const closed = synth({ ...account, github: { ...account.github, pullRequests: false } });
    expect(
      Object.values(closed.findResources('AWS::IAM::Role')).map((r: Json) => r.Properties.RoleName),
    ).not.toContain('ragchat-github-preview');
  });
});
