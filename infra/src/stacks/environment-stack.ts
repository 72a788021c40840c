import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { AppCluster } from '../constructs/app-cluster/app-cluster';
import { AppService } from '../constructs/app-service/app-service';
import { Database, POSTGRES_PORT } from '../constructs/database/database';
import { Delivery } from '../constructs/delivery/delivery';
import { DeployOutputs } from '../constructs/deploy-outputs/deploy-outputs';
import { GuardDutyRuntimeMonitoring } from '../constructs/guardduty/guardduty';
import { LoadBalancer } from '../constructs/load-balancer/load-balancer';
import { Monitoring } from '../constructs/monitoring/monitoring';
import { Network } from '../constructs/network/network';
import { PreviewDatabaseProvider } from '../constructs/preview-database/preview-database';
import { PreviewHostExports } from '../constructs/preview-host/preview-host';
import { importRepositories, publicEcrMirror } from '../constructs/registry/registry';
import { ServiceSecurityGroups } from '../constructs/service-security-groups/service-security-groups';
import { TaskIdentity } from '../constructs/task-identity/task-identity';
import type { DeployOutputsDocument } from '../deploy-contract';
import { serviceOutputs } from '../deploy-outputs/document';
import { parameterNames, resourceNames, SERVICE_NAMES, SERVICES, type ServiceName } from '../naming';
import type { TaskDefinitionTemplate } from '../task-definition/template';
import { loadTaskDefinitionTemplate } from '../task-definition/template';
import { TemplatedTaskDefinition } from '../task-definition/templated-task-definition';

export interface EnvironmentStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Tag of the image the first task definition revision runs (never a per-deploy value). */
  readonly bootstrapImageTag: string;
  /**
   * Host pull request previews: publish what they borrow and run their database provider.
   * @default false
   */
  readonly hostsPreviews?: boolean;
  /**
   * Task definition templates.
   * @default - infra/taskdefs/<service>.json
   */
  readonly templates?: Readonly<Record<ServiceName, TaskDefinitionTemplate>>;
}

/**
 * One long-lived environment (dev, staging or prod): network, database, load balancer, the two
 * blue/green services, delivery, monitoring, and the deploy outputs the actions read.
 */
export class EnvironmentStack extends Stack {
  public readonly network: Network;
  public readonly database: Database;
  public readonly loadBalancer: LoadBalancer;
  public readonly cluster: AppCluster;
  public readonly identity: TaskIdentity;
  public readonly taskDefinitions: Readonly<Record<ServiceName, TemplatedTaskDefinition>>;
  public readonly services: Readonly<Record<ServiceName, AppService>>;
  public readonly delivery: Delivery;
  public readonly monitoring: Monitoring;
  public readonly deployOutputs: DeployOutputs;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = resourceNames(config.name);
    const retention = config.logRetentionDays as logs.RetentionDays;

    this.network = new Network(this, 'Network', {
      cidr: config.vpcCidr,
      maxAzs: config.maxAzs,
      natGateways: config.natGateways,
      flowLogRetention: retention,
    });
    const { vpc } = this.network;
    this.database = new Database(this, 'Database', {
      vpc,
      subnets: this.network.dataSubnets,
      secretName: names.databaseSecret,
      instanceIdentifier: names.prefix,
      instanceType: new ec2.InstanceType(config.database.instanceType),
      multiAz: config.database.multiAz,
      deletionProtection: config.database.deletionProtection,
      backupRetention: Duration.days(config.database.backupRetentionDays),
      allocatedStorageGiB: config.database.allocatedStorageGiB,
      maxAllocatedStorageGiB: config.database.maxAllocatedStorageGiB,
      logRetention: retention,
    });
    this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc,
      certificateArn: config.loadBalancer.certificateArn,
      domainName: config.loadBalancer.domainName,
      testListenerPort: config.loadBalancer.testListenerPort,
      testListenerCidrs: config.loadBalancer.testListenerCidrs,
      deletionProtection: config.loadBalancer.deletionProtection,
    });
    const securityGroups = new ServiceSecurityGroups(this, 'SecurityGroups', {
      vpc,
      databaseSecurityGroup: this.database.securityGroup,
      databasePort: POSTGRES_PORT,
    });
    this.database.allowFrom(securityGroups.backend, 'backend tasks');
    this.loadBalancer.allowTo(securityGroups.backend, 'backend');
    this.loadBalancer.allowTo(securityGroups.frontend, 'frontend');

    this.cluster = new AppCluster(this, 'Cluster', {
      vpc,
      clusterName: names.cluster,
      namespaceName: names.namespace,
    });
    const repositories = importRepositories(this);
    this.identity = new TaskIdentity(this, 'Identity', {
      executionRoleName: names.executionRole,
      taskRoleNames: { backend: names.taskRole('backend'), frontend: names.taskRole('frontend') },
      adminTokenSecretName: names.adminTokenSecret,
      repositories: Object.values(repositories),
      logGroupNames: SERVICE_NAMES.map((service) => names.logGroup(service)),
      databaseSecret: this.database.secret,
      modelIds: [config.models.embeddingModelId, config.models.generationModelId],
      guardDutyAgent: config.guardDuty !== 'off',
    });

    const outputsSources = {
      names,
      sizing: config.services,
      taskRoles: this.identity.taskRoles,
      repositories,
    };
    const service = (name: ServiceName, environment: Record<string, string>) =>
      serviceOutputs(outputsSources, name, environment);
    const document: DeployOutputsDocument<ServiceName> = {
      schemaVersion: 1,
      environment: config.name,
      region: this.region,
      clusterName: names.cluster,
      publicUrl: this.loadBalancer.url,
      testListenerUrl: this.loadBalancer.testListenerUrl,
      codeDeployApplication: names.codeDeployApplication,
      executionRoleArn: this.identity.executionRole.roleArn,
      publicEcrMirror: publicEcrMirror(this),
      secrets: {
        databaseSecretArn: this.database.secret.secretArn,
        adminTokenSecretArn: this.identity.adminTokenSecret.secretArn,
      },
      services: {
        backend: service('backend', {
          ENVIRONMENT: config.name,
          BEDROCK_REGION: this.region,
          EMBEDDING_MODEL_ID: config.models.embeddingModelId,
          GENERATION_MODEL_ID: config.models.generationModelId,
          LOG_LEVEL: config.logLevel,
          TRACE_SAMPLE_RATE: String(config.tracingSampleRate),
        }),
        frontend: service('frontend', {
          TRACE_SAMPLE_RATE: String(config.tracingSampleRate),
          BACKEND_URL: `http://backend.${names.namespace}:${SERVICES.backend.containerPort}`,
        }),
      },
    };
    this.deployOutputs = new DeployOutputs(this, 'DeployOutputs', {
      parameterName: parameterNames.deployOutputs(config.name),
      document,
    });

    const templates = props.templates ?? {
      backend: loadTaskDefinitionTemplate('backend'),
      frontend: loadTaskDefinitionTemplate('frontend'),
    };
    const taskDefinition = (name: ServiceName) =>
      new TemplatedTaskDefinition(this, `${name}TaskDefinition`, {
        template: templates[name],
        context: {
          outputs: document,
          service: document.services[name],
          // A fixed bootstrap tag keeps the first revision identical across app deploys.
          image: {
            [SERVICES[name].containerName]: `${repositories[name].repositoryUri}:${props.bootstrapImageTag}`,
          },
        },
        executionRole: this.identity.executionRole,
        taskRole: this.identity.taskRoles[name],
        secrets: [this.database.secret, this.identity.adminTokenSecret],
      });
    this.taskDefinitions = { backend: taskDefinition('backend'), frontend: taskDefinition('frontend') };

    const appService = (name: ServiceName) =>
      new AppService(this, `${name}Service`, {
        cluster: this.cluster.cluster,
        serviceName: names.service(name),
        taskDefinition: this.taskDefinitions[name],
        containerName: SERVICES[name].containerName,
        containerPort: SERVICES[name].containerPort,
        subnets: this.network.appSubnets,
        securityGroup: securityGroups[name],
        deployment: 'code-deploy',
        targetGroup: this.loadBalancer.targetGroups[name].blue,
        count: { min: config.services[name].minCount, max: config.services[name].maxCount },
        cpuTargetPercent: config.services[name].cpuTargetPercent,
        spot: config.services.spot,
        logGroup: { name: names.logGroup(name), retention },
        ...(name === 'backend' ? { cloudMap: { namespace: this.cluster.namespace, name: 'backend' } } : {}),
      });
    this.services = { backend: appService('backend'), frontend: appService('frontend') };
    // ECS only registers tasks in a target group that a listener forwards to; the listeners name
    // their targets through the live-target-group lookup, so CDK cannot see that ordering itself.
    for (const name of SERVICE_NAMES)
      this.services[name].service.node.addDependency(this.loadBalancer.routes);

    this.delivery = new Delivery(this, 'Delivery', {
      applicationName: names.codeDeployApplication,
      loadBalancer: this.loadBalancer.alb,
      listener: this.loadBalancer.listener,
      testListener: this.loadBalancer.testListener,
      strategy: config.delivery.strategy,
      readyWait: Duration.minutes(config.delivery.readyWaitMinutes),
      terminationWait: Duration.minutes(config.delivery.terminationWaitMinutes),
      services: {
        backend: {
          service: this.services.backend.service,
          deploymentGroupName: names.deploymentGroup('backend'),
          targetGroups: this.loadBalancer.targetGroups.backend,
        },
        frontend: {
          service: this.services.frontend.service,
          deploymentGroupName: names.deploymentGroup('frontend'),
          targetGroups: this.loadBalancer.targetGroups.frontend,
        },
      },
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      deployment: config.name,
      topicName: names.alarmTopic,
      loadBalancer: this.loadBalancer.alb,
      services: { backend: this.services.backend.service, frontend: this.services.frontend.service },
      database: this.database.instance,
      extraAlarms: SERVICE_NAMES.flatMap((name) => Object.values(this.delivery.alarms[name])),
      alarmEmail: config.alarmEmail,
    });

    if (config.guardDuty === 'create-detector') new GuardDutyRuntimeMonitoring(this, 'GuardDuty');

    if (props.hostsPreviews) {
      // The host's admin credentials stay here: previews get the endpoint and a provider to call.
      const databaseProvider = new PreviewDatabaseProvider(this, 'PreviewDatabaseProvider', {
        adminSecret: this.database.secret,
        vpc,
        subnets: this.network.appSubnets,
        securityGroup: securityGroups.backend,
        providerFunctionName: names.previewDatabaseProvider,
        logRetention: config.logRetentionDays as logs.RetentionDays,
      });
      new PreviewHostExports(this, 'PreviewHost', {
        parameterName: (key) => parameterNames.previewHost(config.name, key),
        attributes: {
          vpcId: vpc.vpcId,
          appSubnetIds: vpc.selectSubnets(this.network.appSubnets).subnetIds.join(','),
          clusterName: names.cluster,
          namespaceId: this.cluster.namespace.namespaceId,
          namespaceName: this.cluster.namespace.namespaceName,
          listenerArn: this.loadBalancer.listener.listenerArn,
          listenerUrl: document.publicUrl,
          albSecurityGroupId: this.loadBalancer.securityGroup.securityGroupId,
          backendSecurityGroupId: securityGroups.backend.securityGroupId,
          frontendSecurityGroupId: securityGroups.frontend.securityGroupId,
          databaseHost: this.database.instance.dbInstanceEndpointAddress,
          databasePort: this.database.instance.dbInstanceEndpointPort,
          databaseServiceToken: databaseProvider.provider.serviceToken,
        },
      });
    }

    new CfnOutput(this, 'DeployOutputsParameter', { value: this.deployOutputs.parameter.parameterName });
    new CfnOutput(this, 'PublicUrl', { value: document.publicUrl });
  }
}
