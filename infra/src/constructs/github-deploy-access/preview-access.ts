import { type Duration, Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../nag';
import { resourceNames } from '../../naming';
import type { GithubOidc } from './github-oidc';
import { PREVIEW_BOUNDARY_POLICY_NAME, PREVIEW_DEPLOYER_ROLE_NAME } from './github-roles';

export interface GithubPreviewAccessProps {
  readonly oidc: GithubOidc;
  readonly roleName: string;
  readonly maxSessionDuration: Duration;
  /** Environment whose cluster, listeners, namespace and database instance previews borrow. */
  readonly previewHost: string;
  /** Where preview images are pushed. */
  readonly previewRepositories: readonly ecr.IRepository[];
  /** Bucket `cdk deploy` publishes preview templates and file assets to. */
  readonly assetsBucketName: string;
  /** Release repositories, read for the bootstrap image of a service without a preview image. */
  readonly releaseRepositories: readonly ecr.IRepository[];
}

/** Tag every preview resource carries (`Tags.of(preview).add('environment', 'pr-<n>')`). */
const PREVIEW_TAG = { key: 'environment', pattern: 'pr-*' } as const;

/**
 * How a pull request deploys its preview without reaching anything else. Any same-repository
 * pull request runs its own workflow files and its own infra code, so whatever the preview role
 * can do, the pull request can do. Hence:
 * - the preview role (trusted by `repo:<owner>/<repo>:pull_request` only) may push and scan images
 *   in the preview repositories, publish to the preview assets bucket, read stacks (for
 *   `cdk diff`), and operate only on `ragchat-pr-*` stacks, and only by having CloudFormation act
 *   as the preview deployer role (`cloudformation:RoleArn`), never with a role a stack already has;
 *   it cannot assume any role (the `cdk-*` bootstrap roles act as the administrator execution role);
 * - the deployer role creates only what a preview stack holds: `ragchat-pr-*` named resources,
 *   plus a tagged listener rule and Cloud Map service attached to the host environment, and calls
 *   the host's preview database provider (the host's database credentials never reach a preview);
 * - every role the deployer creates must carry the preview permissions boundary, so code of the
 *   pull request running in a preview task or function never exceeds it.
 */
export class GithubPreviewAccess extends Construct {
  public readonly role: iam.Role;
  public readonly deployer: iam.Role;
  public readonly boundary: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: GithubPreviewAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arn = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
    const host = resourceNames(props.previewHost);
    const previewRoles = `arn:${stack.partition}:iam::${stack.account}:role/ragchat-pr-*`;
    const previewLogGroups = [arn('logs', 'log-group:/ragchat/pr-*'), arn('logs', 'log-group:ragchat-pr-*')];
    const previewSecrets = arn('secretsmanager', 'secret:ragchat-pr-*');
    const assetsBucket = `arn:${stack.partition}:s3:::${props.assetsBucketName}`;
    const tagged = { StringLike: { [`aws:ResourceTag/${PREVIEW_TAG.key}`]: PREVIEW_TAG.pattern } };
    const taggedOnCreate = { StringLike: { [`aws:RequestTag/${PREVIEW_TAG.key}`]: PREVIEW_TAG.pattern } };

    // What code of a pull request may do once it runs in a preview task or function.
    const boundaryStatements = [
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [
          ...props.previewRepositories.map((r) => r.repositoryArn),
          ...props.releaseRepositories.map((r) => r.repositoryArn),
          arn('ecr', 'repository/ecr-public/*'),
        ],
      }),
      new iam.PolicyStatement({
        actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        resources: [arn('ecr', 'repository/ecr-public/*')],
      }),
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: previewLogGroups,
      }),
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [previewSecrets],
      }),
      new iam.PolicyStatement({
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/*`],
      }),
      // Previews apply the host's guardrail; its id is only known once the host stack exists.
      new iam.PolicyStatement({
        actions: ['bedrock:ApplyGuardrail'],
        resources: [arn('bedrock', 'guardrail/*')],
      }),
      new iam.PolicyStatement({
        actions: [
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ],
        resources: ['*'],
      }),
    ];
    this.boundary = new iam.ManagedPolicy(this, 'Boundary', {
      managedPolicyName: PREVIEW_BOUNDARY_POLICY_NAME,
      description: 'Permissions boundary of every role a pull request preview stack creates',
      statements: boundaryStatements,
    });

    this.deployer = new iam.Role(this, 'Deployer', {
      roleName: PREVIEW_DEPLOYER_ROLE_NAME,
      description: 'CloudFormation service role of the ragchat-pr-* preview stacks',
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
    });
    const deployerStatements = [
      // A listener rule that signs users in through Cognito is checked against the user pool client.
      new iam.PolicyStatement({
        actions: ['cognito-idp:DescribeUserPoolClient'],
        resources: [arn('cognito-idp', 'userpool/*')],
      }),
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:GetParameters'],
        resources: [arn('ssm', `parameter/ragchat/${props.previewHost}/preview-host/*`)],
      }),
      new iam.PolicyStatement({
        actions: [
          'ssm:AddTagsToResource',
          'ssm:DeleteParameter',
          'ssm:GetParameters',
          'ssm:PutParameter',
          'ssm:RemoveTagsFromResource',
        ],
        resources: [arn('ssm', 'parameter/ragchat/pr-*')],
      }),
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:TagResource',
          'secretsmanager:UntagResource',
          'secretsmanager:UpdateSecret',
        ],
        resources: [previewSecrets],
      }),
      new iam.PolicyStatement({ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: [
          'logs:CreateLogGroup',
          'logs:DeleteLogGroup',
          'logs:DeleteRetentionPolicy',
          'logs:PutRetentionPolicy',
          'logs:TagResource',
          'logs:UntagResource',
        ],
        resources: previewLogGroups,
      }),
      new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: [
          'iam:AttachRolePolicy',
          'iam:CreateRole',
          'iam:PutRolePermissionsBoundary',
          'iam:PutRolePolicy',
        ],
        resources: [previewRoles],
        conditions: { StringEquals: { 'iam:PermissionsBoundary': this.boundary.managedPolicyArn } },
      }),
      new iam.PolicyStatement({
        actions: [
          'iam:DeleteRole',
          'iam:DeleteRolePolicy',
          'iam:DetachRolePolicy',
          'iam:GetRole',
          'iam:GetRolePolicy',
          'iam:ListAttachedRolePolicies',
          'iam:ListRolePolicies',
          'iam:TagRole',
          'iam:UntagRole',
          'iam:UpdateAssumeRolePolicy',
          'iam:UpdateRoleDescription',
        ],
        resources: [previewRoles],
      }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [previewRoles],
        conditions: {
          StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'lambda.amazonaws.com'] },
        },
      }),
      // RegisterTaskDefinition and DescribeTaskDefinition do not support resource-level
      // permissions. Preview task definitions are retained, so no DeregisterTaskDefinition.
      new iam.PolicyStatement({
        actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        actions: ['ecs:TagResource'],
        resources: [arn('ecs', 'task-definition/ragchat-pr-*')],
      }),
      new iam.PolicyStatement({
        actions: [
          'ecs:CreateService',
          'ecs:DeleteService',
          'ecs:DescribeServices',
          'ecs:TagResource',
          'ecs:UntagResource',
          'ecs:UpdateService',
        ],
        resources: [arn('ecs', `service/${host.cluster}/ragchat-pr-*`)],
      }),
      new iam.PolicyStatement({
        actions: ['servicediscovery:CreateService'],
        resources: [arn('servicediscovery', 'namespace/*')],
        conditions: {
          StringEquals: { 'servicediscovery:NamespaceName': host.namespace },
          ...taggedOnCreate,
        },
      }),
      new iam.PolicyStatement({
        actions: [
          'servicediscovery:DeleteService',
          'servicediscovery:TagResource',
          'servicediscovery:UntagResource',
          'servicediscovery:UpdateService',
        ],
        resources: [arn('servicediscovery', 'service/*')],
        conditions: tagged,
      }),
      new iam.PolicyStatement({
        actions: [
          'servicediscovery:GetNamespace',
          'servicediscovery:GetOperation',
          'servicediscovery:GetService',
          'servicediscovery:ListTagsForResource',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        actions: [
          'elasticloadbalancing:AddTags',
          'elasticloadbalancing:CreateTargetGroup',
          'elasticloadbalancing:DeleteTargetGroup',
          'elasticloadbalancing:ModifyTargetGroup',
          'elasticloadbalancing:ModifyTargetGroupAttributes',
          'elasticloadbalancing:RemoveTags',
        ],
        resources: [arn('elasticloadbalancing', 'targetgroup/ragchat-pr-*/*')],
      }),
      // A rule on the host's listeners only (they carry its environment tag), tagged as a preview
      // when created; afterwards only preview-tagged rules can change.
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:CreateRule'],
        resources: [arn('elasticloadbalancing', 'listener/app/*/*/*')],
        conditions: {
          StringEquals: { [`aws:ResourceTag/${PREVIEW_TAG.key}`]: props.previewHost },
          ...taggedOnCreate,
        },
      }),
      new iam.PolicyStatement({
        actions: ['elasticloadbalancing:AddTags'],
        resources: [arn('elasticloadbalancing', 'listener-rule/app/*/*/*/*')],
        conditions: {
          StringEquals: { 'elasticloadbalancing:CreateAction': 'CreateRule' },
          ...taggedOnCreate,
        },
      }),
      new iam.PolicyStatement({
        actions: [
          'elasticloadbalancing:AddTags',
          'elasticloadbalancing:DeleteRule',
          'elasticloadbalancing:ModifyRule',
          'elasticloadbalancing:RemoveTags',
          'elasticloadbalancing:SetRulePriorities',
        ],
        resources: [arn('elasticloadbalancing', 'listener-rule/app/*/*/*/*')],
        conditions: tagged,
      }),
      new iam.PolicyStatement({
        actions: [
          'elasticloadbalancing:DescribeListeners',
          'elasticloadbalancing:DescribeRules',
          'elasticloadbalancing:DescribeTags',
          'elasticloadbalancing:DescribeTargetGroupAttributes',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
        ],
        resources: ['*'],
      }),
      // The preview database is made by the host's provider (which holds the host's database
      // credentials); CloudFormation invokes it with the stack's service role.
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [arn('lambda', `function:${host.previewDatabaseProvider}`)],
      }),
    ];
    for (const statement of deployerStatements) this.deployer.addToPolicy(statement);

    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: 'GitHub Actions pull request previews (ragchat-pr-* only)',
      assumedBy: props.oidc.principal([props.oidc.pullRequestSubject()]),
      maxSessionDuration: props.maxSessionDuration,
    });
    const previewStacks = arn('cloudformation', 'stack/ragchat-pr-*/*');
    const roleStatements = [
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
        resources: props.previewRepositories.map((r) => r.repositoryArn),
      }),
      new iam.PolicyStatement({
        actions: ['inspector2:ListCoverage', 'inspector2:ListFindings'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:GetEncryptionConfiguration', 's3:ListBucket'],
        resources: [assetsBucket],
      }),
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [`${assetsBucket}/*`],
      }),
      // CloudFormation acts with the role a stack operation names, else with the stack's own
      // (CreateChangeSet RoleARN, API Reference): every operation must name the deployer.
      new iam.PolicyStatement({
        actions: [
          'cloudformation:CreateChangeSet',
          'cloudformation:CreateStack',
          'cloudformation:DeleteStack',
          'cloudformation:UpdateStack',
        ],
        resources: [previewStacks],
        conditions: { StringEquals: { 'cloudformation:RoleArn': this.deployer.roleArn } },
      }),
      // A change set runs with the role it was created with.
      new iam.PolicyStatement({
        actions: [
          'cloudformation:DeleteChangeSet',
          'cloudformation:DescribeChangeSet',
          'cloudformation:ExecuteChangeSet',
          'cloudformation:GetTemplateSummary',
        ],
        resources: [previewStacks],
      }),
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.deployer.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      }),
      // `cdk deploy` and `cdk diff` read stacks; reading changes nothing.
      new iam.PolicyStatement({
        actions: [
          'cloudformation:DescribeStackEvents',
          'cloudformation:DescribeStackResources',
          'cloudformation:DescribeStacks',
          'cloudformation:GetTemplate',
          'cloudformation:ListStackResources',
        ],
        resources: [arn('cloudformation', 'stack/ragchat-*/*'), arn('cloudformation', 'stack/CDKToolkit/*')],
      }),
      // The preview URL, the bootstrap version `cdk diff` checks, and the host attributes the
      // preview template's SSM parameters resolve to.
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:GetParameters'],
        resources: [
          arn('ssm', 'parameter/ragchat/pr-*'),
          arn('ssm', 'parameter/cdk-bootstrap/*'),
          arn('ssm', `parameter/ragchat/${props.previewHost}/preview-host/*`),
        ],
      }),
      // The smoke test's way past a preview's sign-in (docs/operations.md, "Smoke test access"):
      // the automation header and admin token of previews, never those of an environment.
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          arn('secretsmanager', `secret:${resourceNames('pr-*').automationSecret}-*`),
          arn('secretsmanager', `secret:${resourceNames('pr-*').adminTokenSecret}-*`),
        ],
      }),
    ];
    for (const statement of roleStatements) this.role.addToPolicy(statement);

    const reason =
      'Wildcards are confined to ragchat-pr-* names (stacks, roles, functions, secrets, log groups, target ' +
      'groups, parameters), preview-tagged rules and Cloud Map services, objects of the preview assets bucket, ' +
      'the ecr-public/ pull-through cache, foundation models, the account guardrails (applied, never changed) ' +
      'and user pool clients (described, never changed), the readable ragchat-* stacks, and actions AWS ' +
      'grants only on "*" (GetAuthorizationToken, RegisterTaskDefinition, Inspector, X-Ray, Describe*, ' +
      'GetRandomPassword).';
    acknowledgeWildcards(
      this.boundary,
      boundaryStatements.flatMap((s) => s.resources),
      reason,
    );
    acknowledgeWildcards(
      this.deployer,
      deployerStatements.flatMap((s) => s.resources),
      reason,
    );
    acknowledgeWildcards(
      this.role,
      roleStatements.flatMap((s) => s.resources),
      reason,
    );
  }
}
