import { readFile } from 'node:fs/promises';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsCall } from './aws-error';
import { InputError, optionalInput, requiredInput } from './inputs';

/** The services this product deploys; the keys of `services` in the deploy outputs. */
export const SERVICES = ['backend', 'frontend'] as const;

/** The required `service` input, one of SERVICES. */
export function serviceInput(): string {
  const service = requiredInput('service');
  if (!(SERVICES as readonly string[]).includes(service)) {
    throw new InputError('service', `must be one of ${SERVICES.join(', ')} (got '${service}')`);
  }
  return service;
}

/** One service's entry in the deploy outputs document (docs/deploy-contract.md). */
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
  /** The service's capacity providers; the AppSpec repeats them so CodeDeploy keeps using them. */
  readonly capacityProviderStrategy: readonly CapacityProviderStrategyItem[];
}

export interface CapacityProviderStrategyItem {
  readonly capacityProvider: string;
  readonly weight: number;
  readonly base?: number;
}

/** The `/ragchat/<environment>/deploy-outputs` document, validated. */
export interface DeployOutputs {
  readonly schemaVersion: 1;
  readonly environment: string;
  readonly region: string;
  /** The account's ECR pull-through cache of public.ecr.aws (tasks have no internet). */
  readonly publicEcrMirror: string;
  readonly clusterName: string;
  readonly publicUrl: string;
  readonly testListenerUrl: string;
  readonly codeDeployApplication: string;
  readonly executionRoleArn: string;
  readonly secrets: Readonly<Record<string, string>>;
  readonly services: Readonly<Record<string, ServiceOutputs>>;
}

export type DeployOutputsSource =
  | { readonly kind: 'ssm'; readonly environment: string; readonly parameter: string }
  | { readonly kind: 'file'; readonly path: string };

const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function deployOutputsParameter(environment: string): string {
  return `/ragchat/${environment}/deploy-outputs`;
}

/** Reads the `environment` / `deploy-outputs-file` inputs; the file wins when both are given. */
export function deployOutputsSourceInput(): DeployOutputsSource {
  const path = optionalInput('deploy-outputs-file');
  if (path !== undefined) return { kind: 'file', path };
  const environment = environmentInput();
  if (environment === undefined) {
    throw new InputError('environment', 'is required (or set deploy-outputs-file)');
  }
  return { kind: 'ssm', environment, parameter: deployOutputsParameter(environment) };
}

export function environmentInput(): string | undefined {
  const environment = optionalInput('environment');
  if (environment !== undefined && !ENVIRONMENT_NAME.test(environment)) {
    throw new InputError(
      'environment',
      `must be a lowercase name like staging or pr-42 (got '${environment}')`,
    );
  }
  return environment;
}

export async function loadDeployOutputs(source: DeployOutputsSource, ssm: SSMClient): Promise<DeployOutputs> {
  if (source.kind === 'file') {
    const text = await readFile(source.path, 'utf8').catch((error: unknown) => {
      throw new Error(`Cannot read deploy outputs file ${source.path}: ${(error as Error).message}`);
    });
    return parseDeployOutputs(text, source.path);
  }
  const response = await awsCall(`SSM GetParameter ${source.parameter}`, () =>
    ssm.send(new GetParameterCommand({ Name: source.parameter })),
  );
  const value = response.Parameter?.Value;
  if (value === undefined) throw new Error(`SSM parameter ${source.parameter} has no value`);
  return parseDeployOutputs(value, source.parameter);
}

type Json = Record<string, unknown>;

/**
 * Validates every field of the contract; errors name the field and where the document came from.
 * Fields beyond the contract (infra may add some before the contract names them) are kept, so task
 * definition templates can still refer to them.
 */
export function parseDeployOutputs(text: string, origin: string): DeployOutputs {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`Deploy outputs ${origin} are not valid JSON: ${(error as Error).message}`);
  }
  const fail = (field: string, expected: string): never => {
    throw new Error(`Deploy outputs ${origin}: field '${field}' is missing or not ${expected}`);
  };
  const object = (value: unknown, field: string): Json =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Json)
      : fail(field, 'an object');
  const string = (parent: Json, key: string, field: string): string => {
    const value = parent[key];
    return typeof value === 'string' && value !== '' ? value : fail(`${field}${key}`, 'a non-empty string');
  };
  const stringMap = (value: unknown, field: string): Record<string, string> => {
    const map = object(value, field);
    for (const key of Object.keys(map)) string(map, key, `${field}.`);
    return map as Record<string, string>;
  };

  const count = (value: unknown, field: string): number =>
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100_000
      ? value
      : fail(field, 'a whole number from 0 to 100000');
  const strategy = (value: unknown, field: string): CapacityProviderStrategyItem[] => {
    if (!Array.isArray(value) || value.length === 0) fail(field, 'a non-empty list');
    return (value as unknown[]).map((raw, index) => {
      const item = object(raw, `${field}[${index}]`);
      return {
        capacityProvider: string(item, 'capacityProvider', `${field}[${index}].`),
        weight: count(item.weight, `${field}[${index}].weight`),
        ...(item.base === undefined ? {} : { base: count(item.base, `${field}[${index}].base`) }),
      };
    });
  };

  const root = object(document, '(document)');
  if (root.schemaVersion !== 1) fail('schemaVersion', 'the number 1');
  const services: Record<string, ServiceOutputs> = {};
  for (const [name, raw] of Object.entries(object(root.services, 'services'))) {
    const prefix = `services.${name}.`;
    const service = object(raw, `services.${name}`);
    const port = service.containerPort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      fail(`${prefix}containerPort`, 'a port number');
    }
    services[name] = {
      ...service,
      serviceName: string(service, 'serviceName', prefix),
      deploymentGroup: string(service, 'deploymentGroup', prefix),
      taskFamily: string(service, 'taskFamily', prefix),
      containerName: string(service, 'containerName', prefix),
      containerPort: port as number,
      cpu: string(service, 'cpu', prefix),
      memory: string(service, 'memory', prefix),
      taskRoleArn: string(service, 'taskRoleArn', prefix),
      logGroup: string(service, 'logGroup', prefix),
      repositoryUri: string(service, 'repositoryUri', prefix),
      environment: stringMap(service.environment, `${prefix}environment`),
      capacityProviderStrategy: strategy(
        service.capacityProviderStrategy,
        `${prefix}capacityProviderStrategy`,
      ),
    };
  }
  return {
    ...root,
    schemaVersion: 1,
    environment: string(root, 'environment', ''),
    region: string(root, 'region', ''),
    publicEcrMirror: string(root, 'publicEcrMirror', ''),
    clusterName: string(root, 'clusterName', ''),
    publicUrl: string(root, 'publicUrl', ''),
    testListenerUrl: string(root, 'testListenerUrl', ''),
    codeDeployApplication: string(root, 'codeDeployApplication', ''),
    executionRoleArn: string(root, 'executionRoleArn', ''),
    secrets: stringMap(root.secrets, 'secrets'),
    services,
  };
}

/** The entry of `service`, or an error naming the service and the services that exist. */
export function serviceOutputs(outputs: DeployOutputs, service: string): ServiceOutputs {
  const entry = outputs.services[service];
  if (entry === undefined) {
    const known = Object.keys(outputs.services).join(', ') || 'none';
    throw new Error(
      `Deploy outputs of ${outputs.environment} have no service '${service}' (services: ${known})`,
    );
  }
  return entry;
}
