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

/** Secret ARNs (never values) the task definition templates reference. */
export interface DeploySecrets {
  readonly databaseSecretArn: string;
  readonly adminTokenSecretArn: string;
  readonly [name: string]: string;
}

/**
 * The `/ragchat/<environment>/deploy-outputs` document. infra writes it (its values may be CDK
 * tokens until synthesis, `Service` narrowed to the services it builds); the deploy actions read it
 * back through parseDeployOutputs.
 */
export interface DeployOutputsDocument<Service extends string = string> {
  readonly schemaVersion: 1;
  readonly environment: string;
  readonly region: string;
  readonly clusterName: string;
  readonly publicUrl: string;
  readonly testListenerUrl: string;
  readonly codeDeployApplication: string;
  readonly executionRoleArn: string;
  /** The account's ECR pull-through cache of public.ecr.aws (tasks have no internet). */
  readonly publicEcrMirror: string;
  readonly secrets: DeploySecrets;
  readonly services: Readonly<Record<Service, ServiceOutputs>>;
}

export function deployOutputsParameter(environment: string): string {
  return `/ragchat/${environment}/deploy-outputs`;
}

type Json = Record<string, unknown>;

/**
 * Validates every field of the contract; errors name the field and where the document came from.
 * Fields beyond the contract (infra may add some before the contract names them) are kept, so task
 * definition templates can still refer to them.
 */
export function parseDeployOutputs(text: string, origin: string): DeployOutputsDocument {
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
  const secrets = stringMap(root.secrets, 'secrets');
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
    secrets: {
      ...secrets,
      databaseSecretArn: string(secrets, 'databaseSecretArn', 'secrets.'),
      adminTokenSecretArn: string(secrets, 'adminTokenSecretArn', 'secrets.'),
    },
    services,
  };
}
