import { Stack, Validations } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../../nag';
import type { ServiceName } from '../../naming';
import { PUBLIC_ECR_MIRROR_PREFIX } from '../registry/registry';

export interface TaskIdentityProps {
  /** Names from `resourceNames(...)`. */
  readonly executionRoleName: string;
  readonly taskRoleNames: Readonly<Record<ServiceName, string>>;
  readonly adminTokenSecretName: string;
  /** Repositories the tasks pull their images from. */
  readonly repositories: readonly ecr.IRepository[];
  /** Names of the log groups the containers write to. */
  readonly logGroupNames: readonly string[];
  /** The database credentials the backend receives. */
  readonly databaseSecret: secretsmanager.ISecret;
  /** Bedrock foundation model ids the backend may invoke. */
  readonly modelIds: readonly string[];
  /**
   * The Bedrock guardrail the backend applies to every answer.
   * @default - no guardrail permission
   */
  readonly guardrailArn?: string;
  /**
   * Allow pulling the GuardDuty runtime monitoring sidecar, which GuardDuty adds to every task.
   * @default false
   */
  readonly guardDutyAgent?: boolean;
}

/**
 * The IAM side of the tasks: one execution role (pull our images and the public.ecr.aws mirror,
 * write our log groups, read exactly the database and admin-token secrets) and one task role per
 * service (the backend may invoke exactly the configured Bedrock models; both may send traces).
 */
export class TaskIdentity extends Construct {
  public readonly executionRole: iam.Role;
  public readonly taskRoles: Readonly<Record<ServiceName, iam.Role>>;
  public readonly adminTokenSecret: secretsmanager.Secret;
  /** ARNs of the foundation models the backend may invoke. */
  public readonly modelArns: readonly string[];

  constructor(scope: Construct, id: string, props: TaskIdentityProps) {
    super(scope, id);
    if (props.modelIds.length === 0)
      throw new Error('TaskIdentity: at least one Bedrock model id is required');
    const stack = Stack.of(this);

    this.adminTokenSecret = new secretsmanager.Secret(this, 'AdminToken', {
      secretName: props.adminTokenSecretName,
      description: 'Bearer token for the backend admin endpoints (ingestion)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.adminTokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A static bearer token read at task start; rotate it by updating the secret and redeploying.',
    });

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      roleName: props.executionRoleName,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'ECS task execution: image pull, logs, the two app secrets',
    });
    const executionStatements: iam.PolicyStatement[] = [];
    executionStatements.push(
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    );
    const mirrorRepositories = `arn:${stack.partition}:ecr:${stack.region}:${stack.account}:repository/${PUBLIC_ECR_MIRROR_PREFIX}/*`;
    executionStatements.push(
      new iam.PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [...props.repositories.map((r) => r.repositoryArn), mirrorRepositories],
      }),
    );
    // The first pull of a public image creates its mirror repository and imports the image.
    executionStatements.push(
      new iam.PolicyStatement({
        actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        resources: [mirrorRepositories],
      }),
    );
    executionStatements.push(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: props.logGroupNames.map(
          (name) =>
            `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${name}:log-stream:*`,
        ),
      }),
    );
    if (props.guardDutyAgent) {
      executionStatements.push(
        new iam.PolicyStatement({
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          // GuardDuty publishes the agent from an AWS-owned account that differs per region.
          resources: [`arn:${stack.partition}:ecr:${stack.region}:*:repository/aws-guardduty-agent-fargate`],
        }),
      );
    }
    executionStatements.push(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.databaseSecret.secretArn, this.adminTokenSecret.secretArn],
      }),
    );
    for (const statement of executionStatements) this.executionRole.addToPolicy(statement);
    acknowledgeWildcards(
      this.executionRole,
      executionStatements.flatMap((statement) => statement.resources),
      'ecr:GetAuthorizationToken is account-wide by design; log streams are created at run time inside ' +
        'our named log groups; mirror repositories are created on first pull under the ecr-public/ prefix; ' +
        'the GuardDuty agent repository lives in an AWS account that varies by region.',
    );

    this.modelArns = props.modelIds.map(
      (modelId) => `arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`,
    );
    const taskRole = (service: ServiceName) => {
      const role = new iam.Role(this, `${service}TaskRole`, {
        roleName: props.taskRoleNames[service],
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
          conditions: {
            ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:*` },
            StringEquals: { 'aws:SourceAccount': stack.account },
          },
        }),
        description: `ragchat ${service} task`,
      });
      // X-Ray PutTraceSegments and friends have no resource-level permissions.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
          ],
          resources: ['*'],
        }),
      );
      acknowledgeWildcards(role, ['*'], 'X-Ray trace and sampling APIs support only the "*" resource.');
      return role;
    };
    this.taskRoles = { backend: taskRole('backend'), frontend: taskRole('frontend') };
    this.taskRoles.backend.addToPolicy(
      new iam.PolicyStatement({
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: [...this.modelArns],
      }),
    );
    if (props.guardrailArn !== undefined) {
      // Converse with guardrailConfig is authorized as ApplyGuardrail on that one guardrail.
      this.taskRoles.backend.addToPolicy(
        new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [props.guardrailArn] }),
      );
    }
  }
}
