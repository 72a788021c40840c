import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';

// The fields ECS RegisterTaskDefinition accepts; `satisfies` keeps the lists in step with the SDK types.
const TASK_DEFINITION_FIELDS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'tags',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const satisfies readonly (keyof RegisterTaskDefinitionCommandInput)[];

const CONTAINER_FIELDS = [
  'name',
  'image',
  'repositoryCredentials',
  'cpu',
  'memory',
  'memoryReservation',
  'links',
  'portMappings',
  'essential',
  'restartPolicy',
  'entryPoint',
  'command',
  'environment',
  'environmentFiles',
  'mountPoints',
  'volumesFrom',
  'linuxParameters',
  'secrets',
  'dependsOn',
  'startTimeout',
  'stopTimeout',
  'versionConsistency',
  'hostname',
  'user',
  'workingDirectory',
  'disableNetworking',
  'privileged',
  'readonlyRootFilesystem',
  'dnsServers',
  'dnsSearchDomains',
  'extraHosts',
  'dockerSecurityOptions',
  'interactive',
  'pseudoTerminal',
  'dockerLabels',
  'ulimits',
  'logConfiguration',
  'healthCheck',
  'systemControls',
  'resourceRequirements',
  'firelensConfiguration',
  'credentialSpecs',
] as const satisfies readonly (keyof ContainerDefinition)[];

const STRING_FIELDS = ['family', 'taskRoleArn', 'executionRoleArn', 'networkMode', 'cpu', 'memory'] as const;
const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkFields(object: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key))
      throw new Error(`${where}: unknown field '${key}' (not in RegisterTaskDefinition)`);
  }
}

function checkNameValueList(value: unknown, valueKey: 'value' | 'valueFrom', where: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new Error(`${where} must be a list`);
  for (const [index, entry] of value.entries()) {
    if (!isObject(entry) || typeof entry.name !== 'string' || typeof entry[valueKey] !== 'string') {
      throw new Error(`${where}[${index}] must have string 'name' and '${valueKey}'`);
    }
  }
}

/**
 * Runtime check of what the SDK types promise: the required fields and the types of the fields this
 * action edits. Unknown fields are rejected because ECS would reject them later, with less context.
 */
export function assertTaskDefinition(value: unknown): asserts value is RegisterTaskDefinitionCommandInput {
  if (!isObject(value)) throw new Error('Task definition must be a JSON object');
  checkFields(value, TASK_DEFINITION_FIELDS, 'Task definition');
  if (typeof value.family !== 'string' || !FAMILY.test(value.family)) {
    throw new Error("Task definition: 'family' is required (letters, digits, '-' and '_')");
  }
  for (const field of STRING_FIELDS) {
    if (value[field] !== undefined && typeof value[field] !== 'string') {
      throw new Error(`Task definition: '${field}' must be a string`);
    }
  }
  const containers = value.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new Error("Task definition: 'containerDefinitions' must be a non-empty list");
  }
  const names = new Set<string>();
  for (const [index, container] of containers.entries()) {
    const where = `containerDefinitions[${index}]`;
    if (!isObject(container)) throw new Error(`${where} must be an object`);
    checkFields(container, CONTAINER_FIELDS, where);
    if (typeof container.name !== 'string' || container.name === '')
      throw new Error(`${where}: 'name' is required`);
    if (names.has(container.name))
      throw new Error(`${where}: container name '${container.name}' is used twice`);
    names.add(container.name);
    if (typeof container.image !== 'string' || container.image === '') {
      throw new Error(`${where} (${container.name}): 'image' is required`);
    }
    checkNameValueList(container.environment, 'value', `${where}.environment`);
    checkNameValueList(container.secrets, 'valueFrom', `${where}.secrets`);
    const ports = container.portMappings;
    if (
      ports !== undefined &&
      (!Array.isArray(ports) || !ports.every((port) => Number.isInteger(port?.containerPort)))
    ) {
      throw new Error(`${where}.portMappings: every entry needs an integer 'containerPort'`);
    }
  }
}

export function findContainer(
  taskDefinition: RegisterTaskDefinitionCommandInput,
  name: string,
): ContainerDefinition {
  const container = taskDefinition.containerDefinitions?.find((candidate) => candidate.name === name);
  if (container === undefined) {
    const known = taskDefinition.containerDefinitions?.map((candidate) => candidate.name).join(', ');
    throw new Error(`The task definition has no container '${name}' (containers: ${known})`);
  }
  return container;
}

/** Sets variables on a container; an existing entry with the same name is replaced in place. */
export function setEnvironment(
  container: ContainerDefinition,
  variables: Readonly<Record<string, string>>,
): void {
  const list = container.environment ?? [];
  for (const [name, value] of Object.entries(variables)) {
    const existing = list.find((entry) => entry.name === name);
    if (existing) existing.value = value;
    else list.push({ name, value });
  }
  container.environment = list;
}

export function setSecrets(container: ContainerDefinition, secrets: Readonly<Record<string, string>>): void {
  const list = container.secrets ?? [];
  for (const [name, valueFrom] of Object.entries(secrets)) {
    const existing = list.find((entry) => entry.name === name);
    if (existing) existing.valueFrom = valueFrom;
    else list.push({ name, valueFrom });
  }
  container.secrets = list;
}
