import { PLACEHOLDER_ACCOUNT } from '../../src/app';
import { account } from '../../src/config/environments';
import { buildApp } from '../support/app';
import { branchPusherReach, type ReachOptions } from '../support/branch-pusher-reach';
import { type IamModel, iamModelOf, type PolicyStatement, type RoleModel } from '../support/iam-model';

// Every stack of the app, the preview stack included, as `cdk synth -c pr=42` writes them.
const { app } = buildApp({ pr: '42' });
const model: IamModel = iamModelOf(app, PLACEHOLDER_ACCOUNT, account.region);
const options: ReachOptions = {
  owner: account.github.owner,
  repo: account.github.repo,
  defaultBranch: account.github.branch,
  protectedEnvironments: account.github.environments,
  previewHost: account.previewHost,
};
const iam = `arn:aws:iam::${PLACEHOLDER_ACCOUNT}`;

describe('what a pull request (anyone who can push a branch) can reach in AWS', () => {
  const report = branchPusherReach(model, options);

  it('reaches the preview role, its CloudFormation deployer and the boundary of what that creates', () => {
    expect(report.entryRoles).toEqual(['ragchat-github-preview']);
    expect(report.reached).toEqual(
      expect.arrayContaining([
        'ragchat-github-preview',
        'ragchat-preview-deployer',
        `roles under boundary ${iam}:policy/ragchat-preview-boundary`,
      ]),
    );
  });

  it('can change nothing outside previews, through any role it can assume, pass or have CloudFormation use', () => {
    expect(report.findings).toEqual([]);
  });
});

/** The model with one role's statements (or trust) edited. */
function edited(name: string, edit: (role: RoleModel) => Partial<RoleModel>): IamModel {
  return {
    ...model,
    roles: model.roles.map((role) => (role.name === name ? { ...role, ...edit(role) } : role)),
  };
}
const allow = (actions: string[], resources: string[], conditions = {}): PolicyStatement => ({
  effect: 'Allow',
  actions,
  resources,
  conditions,
  principals: {},
  negated: false,
});
const findingsWith = (name: string, statement: PolicyStatement) =>
  branchPusherReach(
    edited(name, (role) => ({ statements: [...role.statements, statement] })),
    options,
  ).findings;

describe('the reach analysis catches', () => {
  it('a role of the bootstrap (the CDK execution role is an administrator)', () => {
    expect(findingsWith('ragchat-github-preview', allow(['sts:AssumeRole'], [`${iam}:role/cdk-*`]))).toEqual([
      `ragchat-github-preview: may assume ${iam}:role/cdk-*, which matches roles outside previews`,
    ]);
  });

  it('a wildcard action that covers another environment', () => {
    const prodService = `arn:aws:ecs:us-east-1:${PLACEHOLDER_ACCOUNT}:service/ragchat-prod/ragchat-prod-backend`;
    expect(findingsWith('ragchat-preview-deployer', allow(['ecs:*'], [prodService]))).toEqual([
      `ragchat-preview-deployer: ecs:* on ${prodService}`,
    ]);
  });

  it('a stack operation that lets CloudFormation keep the role a stack already has', () => {
    const stacks = `arn:aws:cloudformation:us-east-1:${PLACEHOLDER_ACCOUNT}:stack/ragchat-pr-*/*`;
    expect(findingsWith('ragchat-github-preview', allow(['cloudformation:UpdateStack'], [stacks]))).toEqual([
      expect.stringContaining('without a cloudformation:RoleArn condition'),
    ]);
  });

  it("reading another environment's secret (dev's automation header passes dev's test listener sign-in)", () => {
    const devAutomation = `arn:aws:secretsmanager:us-east-1:${PLACEHOLDER_ACCOUNT}:secret:ragchat-dev-automation-*`;
    expect(
      findingsWith('ragchat-github-preview', allow(['secretsmanager:GetSecretValue'], [devAutomation])),
    ).toEqual([`ragchat-github-preview: secretsmanager:GetSecretValue on ${devAutomation}`]);
    expect(findingsWith('ragchat-github-preview', allow(['secretsmanager:Get*'], [devAutomation]))).toEqual([
      `ragchat-github-preview: secretsmanager:Get* on ${devAutomation}`,
    ]);
  });

  it('a role created without the preview boundary', () => {
    expect(
      findingsWith('ragchat-preview-deployer', allow(['iam:CreateRole'], [`${iam}:role/ragchat-pr-*`])),
    ).toEqual([expect.stringContaining('without a boundary the app defines')]);
  });

  it('tagging another environment as a preview to then change it', () => {
    const rules = `arn:aws:elasticloadbalancing:us-east-1:${PLACEHOLDER_ACCOUNT}:listener-rule/app/*/*/*/*`;
    expect(
      findingsWith(
        'ragchat-preview-deployer',
        allow(['elasticloadbalancing:AddTags'], [rules], {
          StringLike: { 'aws:RequestTag/environment': 'pr-*' },
        }),
      ),
    ).toEqual([`ragchat-preview-deployer: elasticloadbalancing:AddTags on ${rules}`]);
  });

  it('a trust policy that admits every environment of the repository (GitHub creates unprotected ones on demand)', () => {
    const loose = edited('ragchat-github-release', (role) => ({
      trust: role.trust.map((statement) => ({
        ...statement,
        conditions: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': ['sts.amazonaws.com'] },
          StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:ragchat/ragchat:environment:*'] },
        },
      })),
    }));
    const report = branchPusherReach(loose, options);
    expect(report.entryRoles).toContain('ragchat-github-release');
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ragchat-github-release: codedeploy:CreateDeployment on /),
      ]),
    );
  });

  it('a branch trusted by name, which its pusher can run any workflow on', () => {
    const branch = edited('ragchat-github-prod', (role) => ({
      trust: role.trust.map((statement) => ({
        ...statement,
        conditions: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': ['sts.amazonaws.com'],
            'token.actions.githubusercontent.com:sub': ['repo:ragchat/ragchat:ref:refs/heads/feature/x'],
          },
        },
      })),
    }));
    expect(branchPusherReach(branch, options).entryRoles).toContain('ragchat-github-prod');
  });
});
