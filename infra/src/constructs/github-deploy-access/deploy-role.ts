import { type Duration, Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../nag';
import { resourceNames } from '../../naming';
import type { GithubOidc } from './github-oidc';

export interface GithubDeployRoleProps {
  readonly oidc: GithubOidc;
  readonly roleName: string;
  /** Exact `sub` claims the role trusts. */
  readonly subjects: readonly string[];
  /** Environments whose services, deployment groups and deploy outputs the role may use. */
  readonly environments: readonly string[];
  /** Release repositories: read (rollback targets, scan results). */
  readonly repositories: readonly ecr.IRepository[];
  /**
   * Build, push and scan-gate images into `repositories`.
   * @default false
   */
  readonly pushImages?: boolean;
  readonly maxSessionDuration: Duration;
}

/**
 * A role GitHub deploy jobs assume: CodeDeploy blue/green of the named environments' services,
 * their task definitions and roles, `cdk deploy` of their stacks through the bootstrap roles and,
 * for the release role, image builds. Trusted only by exact subjects that a pull request cannot
 * obtain: the default branch, and environments whose deployment branches are limited to it.
 */
export class GithubDeployRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GithubDeployRoleProps) {
    super(scope, id);
    if (props.environments.length === 0) throw new Error(`${props.roleName}: no environments to deploy`);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `GitHub Actions deploys of ${props.environments.join(', ')}`,
      assumedBy: props.oidc.principal(props.subjects),
      maxSessionDuration: props.maxSessionDuration,
    });
    const arn = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
    const names = props.environments.map((environment) => resourceNames(environment));
    const repositoryArns = props.repositories.map((r) => r.repositoryArn);

    const statements = [
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:DescribeImageScanFindings',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          ...(props.pushImages
            ? [
                'ecr:CompleteLayerUpload',
                'ecr:InitiateLayerUpload',
                'ecr:PutImage',
                'ecr:StartImageScan',
                'ecr:UploadLayerPart',
              ]
            : []),
        ],
        resources: repositoryArns,
      }),
      // Under enhanced scanning ECR serves findings from Amazon Inspector, which authorizes the
      // caller itself; neither action takes a resource other than "*".
      new iam.PolicyStatement({
        actions: ['inspector2:ListCoverage', 'inspector2:ListFindings'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: props.environments.map((environment) => arn('ssm', `parameter/ragchat/${environment}/*`)),
      }),
      // The smoke test passes the test listener's sign-in with the automation header and calls the
      // backend as automation with the admin token (docs/operations.md, "Smoke test access").
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: names.flatMap((n) => [
          arn('secretsmanager', `secret:${n.automationSecret}-*`),
          arn('secretsmanager', `secret:${n.adminTokenSecret}-*`),
        ]),
      }),
      // RegisterTaskDefinition and DescribeTaskDefinition do not support resource-level permissions.
      new iam.PolicyStatement({
        actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices'],
        resources: names.map((n) => arn('ecs', `service/${n.cluster}/*`)),
      }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: names.flatMap((n) => [
          `arn:${stack.partition}:iam::${stack.account}:role/${n.executionRole}`,
          `arn:${stack.partition}:iam::${stack.account}:role/${n.prefix}-*-task`,
        ]),
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
          ...names.flatMap((n) => [
            arn('codedeploy', `application:${n.codeDeployApplication}`),
            arn('codedeploy', `deploymentgroup:${n.codeDeployApplication}/*`),
          ]),
          arn('codedeploy', 'deploymentconfig:*'),
        ],
      }),
      // `cdk deploy` of the environment stacks works through the bootstrap roles.
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
      'Wildcards are confined to the named environments (their services, deployment groups, task roles, ' +
        'parameters and the random suffix of their smoke-test secrets), the cdk-* bootstrap roles, and actions AWS grants only on "*" (GetAuthorizationToken, ' +
        'RegisterTaskDefinition, DescribeTaskDefinition, Inspector ListFindings/ListCoverage).',
    );
  }
}
