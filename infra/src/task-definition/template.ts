import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceName } from '../naming';
import { infraPath } from '../paths';

/** The subset of an ECS RegisterTaskDefinition input the templates may use. */
export interface ContainerTemplate {
  readonly name: string;
  readonly image: string;
  readonly essential?: boolean;
  readonly cpu?: number;
  readonly memory?: number;
  readonly memoryReservation?: number;
  readonly portMappings?: readonly {
    readonly containerPort: number;
    readonly protocol?: 'tcp' | 'udp';
    readonly name?: string;
  }[];
  readonly environment?: readonly { readonly name: string; readonly value: string }[];
  readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly healthCheck?: {
    readonly command: readonly string[];
    readonly interval?: number;
    readonly timeout?: number;
    readonly retries?: number;
    readonly startPeriod?: number;
  };
  readonly dependsOn?: readonly {
    readonly containerName: string;
    readonly condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY';
  }[];
  readonly readonlyRootFilesystem?: boolean;
  readonly logConfiguration?: {
    readonly logDriver: string;
    readonly options?: Readonly<Record<string, string>>;
  };
}

export interface TaskDefinitionTemplate {
  readonly family: string;
  readonly networkMode: 'awsvpc';
  readonly requiresCompatibilities: readonly ['FARGATE'];
  readonly cpu: string;
  readonly memory: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly runtimePlatform?: {
    readonly cpuArchitecture: 'X86_64' | 'ARM64';
    readonly operatingSystemFamily: 'LINUX';
  };
  readonly containerDefinitions: readonly ContainerTemplate[];
}

const TASK_KEYS = new Set([
  'family',
  'networkMode',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'executionRoleArn',
  'taskRoleArn',
  'runtimePlatform',
  'containerDefinitions',
]);
const CONTAINER_KEYS = new Set([
  'name',
  'image',
  'essential',
  'cpu',
  'memory',
  'memoryReservation',
  'portMappings',
  'environment',
  'secrets',
  'healthCheck',
  'dependsOn',
  'readonlyRootFilesystem',
  'logConfiguration',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of a parsed template. CDK builds the first revision from these fields only, so
 * a field it would silently drop is rejected here instead.
 */
export function parseTaskDefinitionTemplate(raw: unknown, source: string): TaskDefinitionTemplate {
  const fail = (message: string): never => {
    throw new Error(`Task definition template ${source}: ${message}`);
  };
  if (!isRecord(raw)) return fail('must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (!TASK_KEYS.has(key)) fail(`field "${key}" is not supported by the CDK first revision`);
  }
  for (const key of ['family', 'cpu', 'memory', 'executionRoleArn', 'taskRoleArn']) {
    if (typeof raw[key] !== 'string') fail(`"${key}" must be a string`);
  }
  if (raw.networkMode !== 'awsvpc') fail('"networkMode" must be "awsvpc" (Fargate)');
  const compat = raw.requiresCompatibilities;
  if (!Array.isArray(compat) || compat.length !== 1 || compat[0] !== 'FARGATE') {
    fail('"requiresCompatibilities" must be ["FARGATE"]');
  }
  const containers = raw.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0)
    fail('"containerDefinitions" must be a non-empty array');
  const names = new Set<string>();
  for (const container of containers as unknown[]) {
    if (!isRecord(container)) return fail('every container definition must be an object');
    if (typeof container.name !== 'string' || typeof container.image !== 'string') {
      fail('every container needs a string "name" and "image"');
    }
    const name = String(container.name);
    if (names.has(name)) fail(`container "${name}" is defined twice`);
    names.add(name);
    for (const key of Object.keys(container)) {
      if (!CONTAINER_KEYS.has(key))
        fail(`container "${name}": field "${key}" is not supported by the CDK first revision`);
    }
  }
  for (const container of containers as { name: string; dependsOn?: { containerName: string }[] }[]) {
    for (const dependency of container.dependsOn ?? []) {
      if (!names.has(dependency.containerName)) {
        fail(`container "${container.name}" depends on unknown container "${dependency.containerName}"`);
      }
    }
  }
  return raw as unknown as TaskDefinitionTemplate;
}

/** Reads `infra/taskdefs/<service>.json`, the single source of truth for the service's task definition. */
export function loadTaskDefinitionTemplate(service: ServiceName): TaskDefinitionTemplate {
  const file = join(infraPath('taskdefs'), `${service}.json`);
  return parseTaskDefinitionTemplate(JSON.parse(readFileSync(file, 'utf8')), file);
}
