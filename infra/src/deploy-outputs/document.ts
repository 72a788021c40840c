import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { EnvironmentConfig } from '../config/environment-config';
import { capacityProviderStrategy } from '../constructs/app-service/app-service';
import type { ServiceOutputs } from '../deploy-contract';
import { type resourceNames, SERVICES, type ServiceName } from '../naming';

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
