import { Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../nag';

export interface GithubDeployAccessProps {
  readonly owner: string;
  readonly repo: string;
  /** Branch whose push workflows may deploy. */
  readonly branch: string;
  /** GitHub Environments whose jobs may deploy. */
  readonly environments: readonly string[];
  /**
   * Let `pull_request` workflows assume the role (preview stacks).
   * @default false
   */
  readonly pullRequests?: boolean;
  /**
   * ARN of the account's existing GitHub OIDC provider; one is created when absent.
   * @default - a new provider for token.actions.githubusercontent.com
   */
  readonly existingProviderArn?: string;
  /** Repositories the workflows push images to. */
  readonly repositories: readonly ecr.IRepository[];
  /**
   * Role name.
   * @default 'ragchat-github-deploy'
   */
  readonly roleName?: string;
}

const ISSUER = 'token.actions.githubusercontent.com';

/**
 * The GitHub OIDC provider and the one role GitHub Actions assume. Its trust pins this repository's
 * branch, environments and (optionally) pull requests, and it may only do what the deploy actions and
 * the preview workflow do.
 */
export class GithubDeployAccess extends Construct {
  public readonly provider: iam.IOpenIdConnectProvider;
  public readonly role: iam.Role;
  /** The `sub` claims the role trusts. */
  public readonly subjects: readonly string[];

  constructor(scope: Construct, id: string, props: GithubDeployAccessProps) {
    super(scope, id);
    if (props.environments.length === 0 && !props.pullRequests) {
      throw new Error('GithubDeployAccess: at least one environment or pull requests must be allowed');
    }
    const stack = Stack.of(this);
    this.provider = props.existingProviderArn
      ? iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'Provider', props.existingProviderArn)
      : new iam.OidcProviderNative(this, 'Provider', {
          url: `https://${ISSUER}`,
          clientIds: ['sts.amazonaws.com'],
        });

    const repository = `repo:${props.owner}/${props.repo}`;
    this.subjects = [
      `${repository}:ref:refs/heads/${props.branch}`,
      ...props.environments.map((environment) => `${repository}:environment:${environment}`),
      ...(props.pullRequests ? [`${repository}:pull_request`] : []),
    ];
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName ?? 'ragchat-github-deploy',
      description: `GitHub Actions deploys from ${props.owner}/${props.repo}`,
      assumedBy: new iam.WebIdentityPrincipal(this.provider.openIdConnectProviderArn, {
        StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
        'ForAnyValue:StringEquals': { [`${ISSUER}:sub`]: this.subjects },
      }),
    });

    const ragchat = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;

    const statements = [
      // Image build, scan gate and preview teardown (which deletes a closed PR's images by digest):
      // only the two repositories.
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchDeleteImage',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImageScanFindings',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:StartImageScan',
          'ecr:UploadLayerPart',
        ],
        resources: props.repositories.map((r) => r.repositoryArn),
      }),
      // Deploy outputs and preview URLs, read by name.
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [ragchat('ssm', 'parameter/ragchat/*')],
      }),
      // RegisterTaskDefinition and DescribeTaskDefinition do not support resource-level permissions.
      new iam.PolicyStatement({
        actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices'],
        resources: [ragchat('ecs', 'service/ragchat-*')],
      }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [
          `arn:${stack.partition}:iam::${stack.account}:role/ragchat-*-execution`,
          `arn:${stack.partition}:iam::${stack.account}:role/ragchat-*-task`,
        ],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
      new iam.PolicyStatement({
        actions: [
          'codedeploy:ContinueDeployment',
          'codedeploy:CreateDeployment',
          'codedeploy:GetApplication',
          'codedeploy:GetApplicationRevision',
          'codedeploy:GetDeployment',
          'codedeploy:GetDeploymentConfig',
          'codedeploy:GetDeploymentGroup',
          'codedeploy:GetDeploymentTarget',
          'codedeploy:ListDeploymentTargets',
          'codedeploy:RegisterApplicationRevision',
          'codedeploy:StopDeployment',
        ],
        resources: [
          ragchat('codedeploy', 'application:ragchat-*'),
          ragchat('codedeploy', 'deploymentgroup:ragchat-*'),
          ragchat('codedeploy', 'deploymentconfig:*'),
        ],
      }),
      // Preview stacks are deployed with `cdk deploy`, which works through the bootstrap roles.
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [`arn:${stack.partition}:iam::${stack.account}:role/cdk-*`],
        conditions: {
          StringEquals: { 'iam:ResourceTag/aws-cdk:bootstrap-role': ['deploy', 'file-publishing', 'lookup'] },
        },
      }),
    ];
    for (const statement of statements) this.role.addToPolicy(statement);
    acknowledgeWildcards(
      this.role,
      statements.flatMap((statement) => statement.resources),
      'Wildcards are confined to ragchat-* names (services, deployment groups, roles, parameters), the ' +
        'cdk-* bootstrap roles, and the ECR/ECS actions AWS grants only on "*" ' +
        '(GetAuthorizationToken, RegisterTaskDefinition, DescribeTaskDefinition).',
    );
  }
}
