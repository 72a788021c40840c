import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { EnvironmentConfig, EnvironmentName } from '../config/environment-config';
import { capacityProviderStrategy } from '../constructs/app-service/app-service';
import { type resourceNames, SERVICES, type ServiceName } from '../naming';

/** `services.<name>` of the deploy outputs document (docs/deploy-contract.md). */
export interface ServiceOutputs {
  readonly serviceName: string;
  readonly deploymentGroup: string;
  readonly taskFamily: string;
  readonly containerName: string;
  readonly containerPort: number;
  readonly cpu: string;
  readonly memory: string;
  readonly taskRoleArn: string;
  readonly logGroup: string;
  readonly repositoryUri: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly capacityProviderStrategy: readonly {
    readonly capacityProvider: string;
    readonly weight: number;
    readonly base?: number;
  }[];
}

/** The JSON document stored at `/ragchat/<env>/deploy-outputs`; values may be CDK tokens until synthesis. */
export interface DeployOutputsDocument {
  readonly schemaVersion: 1;
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly clusterName: string;
  readonly publicUrl: string;
  readonly testListenerUrl: string;
  readonly codeDeployApplication: string;
  readonly executionRoleArn: string;
  readonly publicEcrMirror: string;
  readonly secrets: {
    readonly databaseSecretArn: string;
    readonly adminTokenSecretArn: string;
    /** Value of the `x-ragchat-automation` header the smoke test sends to the test listener. */
    readonly automationSecretArn?: string;
  };
  readonly services: { readonly backend: ServiceOutputs; readonly frontend: ServiceOutputs };
}

/** What `services.<name>` is built from; environment and preview stacks both fill it. */
export interface ServiceOutputsSources {
  readonly names: ReturnType<typeof resourceNames>;
  readonly sizing: EnvironmentConfig['services'];
  readonly taskRoles: Readonly<Record<ServiceName, iam.IRole>>;
  readonly repositories: Readonly<Record<ServiceName, ecr.IRepository>>;
}

export function serviceOutputs(
  sources: ServiceOutputsSources,
  name: ServiceName,
  environment: Record<string, string>,
): ServiceOutputs {
  const { names, sizing, taskRoles, repositories } = sources;
  return {
    serviceName: names.service(name),
    deploymentGroup: names.deploymentGroup(name),
    taskFamily: names.taskFamily(name),
    containerName: SERVICES[name].containerName,
    containerPort: SERVICES[name].containerPort,
    cpu: String(sizing[name].cpu),
    memory: String(sizing[name].memoryMiB),
    taskRoleArn: taskRoles[name].roleArn,
    logGroup: names.logGroup(name),
    repositoryUri: repositories[name].repositoryUri,
    environment,
    capacityProviderStrategy: capacityProviderStrategy(sizing.spot).map((item) => ({
      capacityProvider: item.capacityProvider,
      weight: item.weight ?? 1,
      ...(item.base === undefined ? {} : { base: item.base }),
    })),
  };
}
