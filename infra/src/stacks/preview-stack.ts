import {
  CfnOutput,
  CliCredentialsStackSynthesizer,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { AppService } from '../constructs/app-service/app-service';
import { DeployOutputs } from '../constructs/deploy-outputs/deploy-outputs';
import { PREVIEW_BOUNDARY_POLICY_NAME } from '../constructs/github-deploy-access/github-roles';
import { automationCondition, BACKEND_PATHS } from '../constructs/load-balancer/load-balancer';
import { PreviewDatabase } from '../constructs/preview-database/preview-database';
import { PreviewHost } from '../constructs/preview-host/preview-host';
import { importRepositories, publicEcrMirror } from '../constructs/registry/registry';
import {
  ADMIN_GROUP,
  authenticated,
  COGNITO_GROUPS_CLAIM,
  type ListenerAuth,
} from '../constructs/sign-in/sign-in';
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
import {
  AUTOMATION_HEADER,
  backendSignInEnvironment,
  frontendSignInEnvironment,
} from './sign-in-environment';

/**
 * Highest pull request number a preview can have: each preview takes one rule priority in each of
 * two ranges on the test listener, both below the environment's signed-in backend rule there.
 */
export const MAX_PREVIEW_PR = 24_000;

/**
 * Priority of a preview's frontend rules (sign-in on the public listener, automation on the test
 * listener): one per PR number, above the environment's own rules.
 */
export function previewRulePriority(pr: number): number {
  if (!Number.isInteger(pr) || pr < 1 || pr > MAX_PREVIEW_PR) {
    throw new Error(`Pull request number ${pr} is outside 1-${MAX_PREVIEW_PR}, the range previews can route`);
  }
  return 1000 + pr;
}

/** Priority of a preview's backend automation rule on the test listener, above every frontend rule. */
export function previewBackendRulePriority(pr: number): number {
  return previewRulePriority(pr) + MAX_PREVIEW_PR;
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
 * cluster, reachable at `<host url>/pr-<n>/` through a signed-in path rule on the host's listener,
 * with a database of its own in the host's instance. On the host's test listener, requests
 * carrying the preview's own automation secret reach its frontend (`/pr-<n>/*`) and its backend
 * (`/api/*`, `/health`): the smoke test's way in. Deleting the stack removes all of it.
 */
export class PreviewStack extends Stack {
  public readonly host: PreviewHost;
  public readonly database: PreviewDatabase;
  public readonly identity: TaskIdentity;
  public readonly services: Readonly<Record<ServiceName, AppService>>;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The backend's target group: only the test listener's automation rule forwards to it. */
  public readonly backendTargetGroup: elbv2.ApplicationTargetGroup;
  /** The signed-in route on the host's public listener. */
  public readonly listenerRule: elbv2.ApplicationListenerRule;
  /** Value of the header that lets the smoke test reach this preview on the host's test listener. */
  public readonly automationSecret: secretsmanager.Secret;
  public readonly automationRules: {
    readonly frontend: elbv2.ApplicationListenerRule;
    readonly backend: elbv2.ApplicationListenerRule;
  };
  public readonly deployOutputs: DeployOutputs;
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
    const deployment = `pr-${pr}` as const;
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
      guardrailArn: this.host.guardrail.arn,
    });
    const signInSettings = hostConfig.signIn;
    // The preview rides the host's listener and sign-in: same user pool (or OIDC client), same users.
    const auth: ListenerAuth =
      signInSettings.kind === 'oidc'
        ? { kind: 'oidc', settings: signInSettings }
        : {
            kind: 'cognito',
            userPool: cognito.UserPool.fromUserPoolArn(this, 'UserPool', this.host.signIn.userPoolArn),
            client: cognito.UserPoolClient.fromUserPoolClientId(
              this,
              'UserPoolClient',
              this.host.signIn.clientId,
            ),
            domain: cognito.UserPoolDomain.fromDomainName(
              this,
              'UserPoolDomain',
              signInSettings.domainPrefix,
            ),
          };
    const signInSources = {
      claims: {
        issuer: this.host.signIn.issuer,
        clientId: this.host.signIn.clientId,
        groupsClaim: signInSettings.kind === 'oidc' ? signInSettings.groupsClaim : COGNITO_GROUPS_CLAIM,
        adminGroup: ADMIN_GROUP,
      },
      albArn: this.host.signIn.albArn,
      keyEndpoint: this.host.signIn.keyEndpoint,
    };

    const previewUrl = `${this.host.listenerUrl}${this.basePath}/`;
    this.automationSecret = new secretsmanager.Secret(this, 'AutomationSecret', {
      secretName: names.automationSecret,
      description: `Header ${AUTOMATION_HEADER} that lets the smoke test reach preview #${pr} on the test listener`,
      // ALB header conditions treat * and ? as wildcards: letters and digits only.
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.automationSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Lives as long as the preview; every new preview stack generates a new value.',
    });
    const backendName = `backend-${deployment}`;
    const outputsSources = {
      names,
      sizing: hostConfig.services,
      taskRoles: this.identity.taskRoles,
      repositories,
    };
    const service = (name: ServiceName, environment: Record<string, string>) =>
      serviceOutputs(outputsSources, name, environment);
    // The render context of the templates, published for the smoke test (URLs and secrets); a
    // preview has no CodeDeploy application, it deploys with CloudFormation's rolling updates.
    const context: DeployOutputsDocument<ServiceName> = {
      schemaVersion: 1,
      environment: hostConfig.name,
      region: this.region,
      clusterName: this.host.cluster.clusterName,
      publicUrl: previewUrl,
      // The frontend under its prefix; the backend answers at this URL's origin (same header).
      testListenerUrl: `${this.host.testListenerUrl}${this.basePath}/`,
      codeDeployApplication: names.codeDeployApplication,
      executionRoleArn: this.identity.executionRole.roleArn,
      publicEcrMirror: publicEcrMirror(this),
      secrets: {
        databaseSecretArn: this.database.secret.secretArn,
        adminTokenSecretArn: this.identity.adminTokenSecret.secretArn,
        automationSecretArn: this.automationSecret.secretArn,
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
          ...backendSignInEnvironment(signInSources, hostConfig.limits, {
            id: this.host.guardrail.id,
            version: this.host.guardrail.version,
          }),
        }),
        frontend: service('frontend', {
          TRACE_SAMPLE_RATE: String(hostConfig.tracingSampleRate),
          BACKEND_URL: `http://${backendName}.${this.host.namespace.namespaceName}:${SERVICES.backend.containerPort}`,
          BASE_PATH: this.basePath,
          ...frontendSignInEnvironment(signInSources),
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
    this.backendTargetGroup = new elbv2.ApplicationTargetGroup(this, 'BackendTargetGroup', {
      targetGroupName: `${names.prefix}-backend`,
      vpc: this.host.vpc,
      targetType: elbv2.TargetType.IP,
      port: SERVICES.backend.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      deregistrationDelay: Duration.seconds(10),
      healthCheck: {
        path: SERVICES.backend.healthPath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
      },
    });
    const prefixPaths = elbv2.ListenerCondition.pathPatterns([this.basePath, `${this.basePath}/*`]);
    this.listenerRule = new elbv2.ApplicationListenerRule(this, 'ListenerRule', {
      listener: this.host.listener,
      priority,
      conditions: [prefixPaths],
      action: authenticated(auth, elbv2.ListenerAction.forward([this.targetGroup])),
    });
    const automation = automationCondition({
      name: AUTOMATION_HEADER,
      secretArn: this.automationSecret.secretArn,
    });
    this.automationRules = {
      frontend: new elbv2.ApplicationListenerRule(this, 'AutomationFrontendRule', {
        listener: this.host.testListener,
        priority,
        conditions: [automation, prefixPaths],
        action: elbv2.ListenerAction.forward([this.targetGroup]),
      }),
      backend: new elbv2.ApplicationListenerRule(this, 'AutomationBackendRule', {
        listener: this.host.testListener,
        priority: previewBackendRulePriority(pr),
        conditions: [automation, elbv2.ListenerCondition.pathPatterns(BACKEND_PATHS)],
        action: elbv2.ListenerAction.forward([this.backendTargetGroup]),
      }),
    };

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
      targetGroup: this.backendTargetGroup,
      logGroup: { name: names.logGroup('backend'), retention },
    });
    // The backend must not start before its database exists, nor register before its rule exists.
    backend.service.node.addDependency(this.database.resource, this.automationRules.backend);
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
    frontend.service.node.addDependency(this.listenerRule, this.automationRules.frontend);
    this.services = { backend, frontend };

    this.deployOutputs = new DeployOutputs(this, 'DeployOutputs', {
      parameterName: parameterNames.deployOutputs(deployment),
      document: context,
    });
    new ssm.StringParameter(this, 'PreviewUrl', {
      parameterName: parameterNames.previewUrl(pr),
      stringValue: previewUrl,
      description: `ragchat preview of pull request #${pr}`,
    });
    new CfnOutput(this, 'Url', { value: previewUrl });
  }
}
