import {
  CfnOutput,
  CliCredentialsStackSynthesizer,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
} from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { AppService } from '../constructs/app-service/app-service';
import { PREVIEW_BOUNDARY_POLICY_NAME } from '../constructs/github-deploy-access/github-roles';
import { PreviewDatabase } from '../constructs/preview-database/preview-database';
import { PreviewHost } from '../constructs/preview-host/preview-host';
import { importRepositories, publicEcrMirror } from '../constructs/registry/registry';
import { TaskIdentity } from '../constructs/task-identity/task-identity';
import type { DeployOutputsDocument } from '../deploy-contract';
import { serviceOutputs } from '../deploy-outputs/document';
import {
  PREVIEW_ASSETS_BUCKET,
  PREVIEW_REPOSITORY_NAMES,
  parameterNames,
  resourceNames,
  SERVICE_NAMES,
  SERVICES,
  type ServiceName,
} from '../naming';
import { loadTaskDefinitionTemplate } from '../task-definition/template';
import { TemplatedTaskDefinition } from '../task-definition/templated-task-definition';

/** Highest pull request number whose listener rule priority still fits ALB's 1-50000 range. */
export const MAX_PREVIEW_PR = 48_999;

/** Listener rule priority of a preview: one per PR number, all above the environment's own rules. */
export function previewRulePriority(pr: number): number {
  if (!Number.isInteger(pr) || pr < 1 || pr > MAX_PREVIEW_PR) {
    throw new Error(`Pull request number ${pr} is outside 1-${MAX_PREVIEW_PR}, the range previews can route`);
  }
  return 1000 + pr;
}

export interface PreviewStackProps extends StackProps {
  readonly pr: number;
  /** The environment whose VPC, cluster, listener and database instance the preview borrows. */
  readonly host: EnvironmentConfig;
  /** AZs of the host's VPC (one app subnet each). */
  readonly hostAvailabilityZones: readonly string[];
  /** Image digests (`sha256:...`) per service; services without one run the bootstrap tag. */
  readonly imageDigests: Readonly<Partial<Record<ServiceName, string>>>;
  readonly bootstrapImageTag: string;
}

/**
 * One pull request's preview: its two services (rolling deployments) on the host environment's
 * cluster, reachable at `<host url>/pr-<n>/` through a path rule on the host's listener, with a
 * database of its own in the host's instance. Deleting the stack removes all of it.
 */
export class PreviewStack extends Stack {
  public readonly host: PreviewHost;
  public readonly database: PreviewDatabase;
  public readonly identity: TaskIdentity;
  public readonly services: Readonly<Record<ServiceName, AppService>>;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly listenerRule: elbv2.ApplicationListenerRule;
  public readonly basePath: string;

  constructor(scope: Construct, id: string, props: PreviewStackProps) {
    // Deployed by the preview role itself, not through the CDK bootstrap roles (which act as the
    // administrator execution role): `cdk deploy --role-arn <preview deployer>` publishes to the
    // preview assets bucket and has CloudFormation act as the deployer (.github/scripts/preview-stack.sh).
    super(scope, id, {
      ...props,
      synthesizer: new CliCredentialsStackSynthesizer({ fileAssetsBucketName: PREVIEW_ASSETS_BUCKET }),
    });
    const { pr, host: hostConfig } = props;
    // Every role the stack creates stays within what the deployer may grant.
    iam.PermissionsBoundary.of(this).apply(
      iam.ManagedPolicy.fromManagedPolicyName(this, 'Boundary', PREVIEW_BOUNDARY_POLICY_NAME),
    );
    const priority = previewRulePriority(pr);
    for (const [service, digest] of Object.entries(props.imageDigests)) {
      if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
        throw new Error(`Image digest for ${service} must be sha256:<64 hex>, got "${digest}"`);
      }
    }
    const deployment = `pr-${pr}`;
    // The deployer may change the listener rule and the Cloud Map service only while they carry it.
    Tags.of(this).add('environment', deployment);
    const names = resourceNames(deployment);
    this.basePath = `/pr-${pr}`;
    const retention = hostConfig.logRetentionDays as logs.RetentionDays;

    this.host = new PreviewHost(this, 'Host', {
      parameterName: (key) => parameterNames.previewHost(hostConfig.name, key),
      availabilityZones: props.hostAvailabilityZones,
    });
    this.database = new PreviewDatabase(this, 'Database', {
      databaseName: `ragchat_pr_${pr}`,
      serviceToken: this.host.database.serviceToken,
      host: this.host.database.host,
      port: this.host.database.port,
      secretName: names.databaseSecret,
    });
    const repositories = importRepositories(this);
    const previewRepositories: Readonly<Record<ServiceName, ecr.IRepository>> = {
      backend: ecr.Repository.fromRepositoryName(
        this,
        'PreviewBackendRepository',
        PREVIEW_REPOSITORY_NAMES.backend,
      ),
      frontend: ecr.Repository.fromRepositoryName(
        this,
        'PreviewFrontendRepository',
        PREVIEW_REPOSITORY_NAMES.frontend,
      ),
    };
    this.identity = new TaskIdentity(this, 'Identity', {
      executionRoleName: names.executionRole,
      taskRoleNames: { backend: names.taskRole('backend'), frontend: names.taskRole('frontend') },
      adminTokenSecretName: names.adminTokenSecret,
      repositories: [...Object.values(repositories), ...Object.values(previewRepositories)],
      logGroupNames: SERVICE_NAMES.map((service) => names.logGroup(service)),
      databaseSecret: this.database.secret,
      modelIds: [hostConfig.models.embeddingModelId, hostConfig.models.generationModelId],
      guardDutyAgent: hostConfig.guardDuty !== 'off',
    });

    const previewUrl = `${this.host.listenerUrl}${this.basePath}/`;
    const backendName = `backend-${deployment}`;
    const outputsSources = {
      names,
      sizing: hostConfig.services,
      taskRoles: this.identity.taskRoles,
      repositories,
    };
    const service = (name: ServiceName, environment: Record<string, string>) =>
      serviceOutputs(outputsSources, name, environment);
    // Only the render context of the templates: previews publish no deploy outputs (no CodeDeploy).
    const context: DeployOutputsDocument<ServiceName> = {
      schemaVersion: 1,
      environment: hostConfig.name,
      region: this.region,
      clusterName: this.host.cluster.clusterName,
      publicUrl: previewUrl,
      testListenerUrl: previewUrl,
      codeDeployApplication: names.codeDeployApplication,
      executionRoleArn: this.identity.executionRole.roleArn,
      publicEcrMirror: publicEcrMirror(this),
      secrets: {
        databaseSecretArn: this.database.secret.secretArn,
        adminTokenSecretArn: this.identity.adminTokenSecret.secretArn,
      },
      services: {
        backend: service('backend', {
          ENVIRONMENT: deployment,
          BEDROCK_REGION: this.region,
          EMBEDDING_MODEL_ID: hostConfig.models.embeddingModelId,
          GENERATION_MODEL_ID: hostConfig.models.generationModelId,
          LOG_LEVEL: hostConfig.logLevel,
          TRACE_SAMPLE_RATE: String(hostConfig.tracingSampleRate),
          SEED_SAMPLE_CORPUS: 'true',
        }),
        frontend: service('frontend', {
          TRACE_SAMPLE_RATE: String(hostConfig.tracingSampleRate),
          BACKEND_URL: `http://${backendName}.${this.host.namespace.namespaceName}:${SERVICES.backend.containerPort}`,
          BASE_PATH: this.basePath,
        }),
      },
    };
    const image = (name: ServiceName) => {
      const digest = props.imageDigests[name];
      return digest
        ? `${previewRepositories[name].repositoryUri}@${digest}`
        : `${repositories[name].repositoryUri}:${props.bootstrapImageTag}`;
    };
    const taskDefinition = (name: ServiceName) => {
      const templated = new TemplatedTaskDefinition(this, `${name}TaskDefinition`, {
        template: loadTaskDefinitionTemplate(name),
        context: {
          outputs: context,
          service: context.services[name],
          image: { [SERVICES[name].containerName]: image(name) },
        },
        executionRole: this.identity.executionRole,
        taskRole: this.identity.taskRoles[name],
        secrets: [this.database.secret, this.identity.adminTokenSecret],
      });
      // Old revisions stay registered (inactive families cost nothing): deregistering needs
      // ecs:DeregisterTaskDefinition, which ECS grants on "*" only, and the deployer must not
      // deregister revisions of other environments.
      templated.taskDefinition.applyRemovalPolicy(RemovalPolicy.RETAIN);
      return templated;
    };

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'FrontendTargetGroup', {
      // Named, so the deployer can be confined to ragchat-pr-* target groups.
      targetGroupName: names.prefix,
      vpc: this.host.vpc,
      targetType: elbv2.TargetType.IP,
      port: SERVICES.frontend.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      deregistrationDelay: Duration.seconds(10),
      healthCheck: {
        path: SERVICES.frontend.healthPath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
      },
    });
    this.listenerRule = new elbv2.ApplicationListenerRule(this, 'ListenerRule', {
      listener: this.host.listener,
      priority,
      conditions: [elbv2.ListenerCondition.pathPatterns([this.basePath, `${this.basePath}/*`])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });

    const common = {
      cluster: this.host.cluster,
      subnets: this.host.appSubnets,
      deployment: 'rolling' as const,
      spot: true,
    };
    const backend = new AppService(this, 'backendService', {
      ...common,
      serviceName: names.service('backend'),
      taskDefinition: taskDefinition('backend'),
      containerName: SERVICES.backend.containerName,
      containerPort: SERVICES.backend.containerPort,
      securityGroup: this.host.securityGroups.backend,
      cloudMap: { namespace: this.host.namespace, name: backendName },
      logGroup: { name: names.logGroup('backend'), retention },
    });
    // The backend must not start before its database exists.
    backend.service.node.addDependency(this.database.resource);
    const frontend = new AppService(this, 'frontendService', {
      ...common,
      serviceName: names.service('frontend'),
      taskDefinition: taskDefinition('frontend'),
      containerName: SERVICES.frontend.containerName,
      containerPort: SERVICES.frontend.containerPort,
      securityGroup: this.host.securityGroups.frontend,
      targetGroup: this.targetGroup,
      logGroup: { name: names.logGroup('frontend'), retention },
    });
    // The target group must be attached to the listener before a service registers into it.
    frontend.service.node.addDependency(this.listenerRule);
    this.services = { backend, frontend };

    new ssm.StringParameter(this, 'PreviewUrl', {
      parameterName: parameterNames.previewUrl(pr),
      stringValue: previewUrl,
      description: `ragchat preview of pull request #${pr}`,
    });
    new CfnOutput(this, 'Url', { value: previewUrl });
  }
}
