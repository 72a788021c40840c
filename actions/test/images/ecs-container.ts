import type { ContainerDefinition } from '@aws-sdk/client-ecs';

/**
 * How ECS on Fargate starts one container of a task definition, as `podman run` arguments. Modelled
 * on the ContainerDefinition reference
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html):
 * - `environment` and `secrets` become the process environment; a Secrets Manager `valueFrom`
 *   without a JSON key injects the secret's whole SecretString
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html);
 * - `readonlyRootFilesystem` mounts the root read-only with no writable /tmp (podman would add
 *   tmpfs mounts of its own, so they are turned off);
 * - `user`, `command` and `entryPoint` override the image's USER, CMD and ENTRYPOINT;
 * - `healthCheck` replaces the image's HEALTHCHECK (`CMD` form: the rest is the argv)
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html);
 * - `stopTimeout` is the wait between SIGTERM and SIGKILL, 30 s on Fargate when unset.
 * Fields this model does not know fail the test, so a new one cannot be silently ignored.
 */
export const FARGATE_DEFAULT_STOP_TIMEOUT_S = 30;

/** Container fields that change nothing a local run can observe, and why. */
const NOT_MODELLED: Readonly<Record<string, string>> = {
  name: 'becomes the podman container name prefix',
  essential: 'the test runs only the containers it checks',
  dependsOn: 'sidecars (the ADOT collector) are not run; the test serves OTLP itself',
  logConfiguration: 'awslogs; podman keeps the output instead',
  cpu: 'a share of the task; the machine is shared, so no quota is applied',
  memoryReservation: 'a soft limit, not enforced while memory is free',
};

const MODELLED = new Set([
  'image',
  'portMappings',
  'environment',
  'secrets',
  'healthCheck',
  'readonlyRootFilesystem',
  'user',
  'command',
  'entryPoint',
  'stopTimeout',
  'ulimits',
]);

export interface RunContext {
  /** podman container name. */
  readonly name: string;
  /** Secrets Manager: SecretString by ARN. */
  readonly secrets: ReadonlyMap<string, string>;
  /** Task memory in MiB (the task-level `memory`), the container's hard limit. */
  readonly memoryMiB: number;
  /** The task's network (awsvpc: its own address; a podman bridge network here). */
  readonly network: string;
  /** DNS names other tasks reach this one by (Service Connect / Cloud Map). */
  readonly aliases?: readonly string[];
  /** Extra /etc/hosts entries (name → address), e.g. the database's DNS name. */
  readonly hosts?: Readonly<Record<string, string>>;
}

export interface ContainerRun {
  readonly args: string[];
  readonly stopTimeoutS: number;
  /** The process environment ECS would give the container, secrets resolved. */
  readonly environment: Readonly<Record<string, string>>;
}

export function podmanRunArguments(container: ContainerDefinition, context: RunContext): ContainerRun {
  const unknown = Object.keys(container).filter((key) => !MODELLED.has(key) && !(key in NOT_MODELLED));
  if (unknown.length > 0) {
    throw new Error(`The images test does not model container field(s) ${unknown.join(', ')}`);
  }
  if (container.image === undefined) throw new Error(`Container ${container.name} has no image`);
  const environment: Record<string, string> = {};
  for (const { name, value } of container.environment ?? []) {
    if (name !== undefined) environment[name] = value ?? '';
  }
  for (const { name, valueFrom } of container.secrets ?? []) {
    const secret = valueFrom === undefined ? undefined : context.secrets.get(valueFrom);
    if (name === undefined || secret === undefined) {
      throw new Error(`Secret ${name} of ${container.name}: no Secrets Manager secret ${valueFrom}`);
    }
    environment[name] = secret;
  }
  const stopTimeoutS = container.stopTimeout ?? FARGATE_DEFAULT_STOP_TIMEOUT_S;
  const args = [
    'run',
    '--detach',
    '--name',
    context.name,
    '--network',
    context.network,
    ...(context.aliases ?? []).flatMap((alias) => ['--network-alias', alias]),
    ...Object.entries(context.hosts ?? {}).flatMap(([host, address]) => ['--add-host', `${host}:${address}`]),
    '--memory',
    `${context.memoryMiB}m`,
    '--stop-timeout',
    String(stopTimeoutS),
    ...Object.keys(environment).flatMap((name) => ['--env', name]),
    ...(container.readonlyRootFilesystem === true ? ['--read-only', '--read-only-tmpfs=false'] : []),
    ...(container.user === undefined ? [] : ['--user', container.user]),
    ...(container.ulimits ?? []).flatMap((limit) => [
      '--ulimit',
      `${limit.name}=${limit.softLimit}:${limit.hardLimit}`,
    ]),
    // awsvpc gives the task its own address; a loopback-only host port stands in for it here.
    ...(container.portMappings ?? []).flatMap((mapping) => [
      '--publish',
      `127.0.0.1::${mapping.containerPort}/${mapping.protocol ?? 'tcp'}`,
    ]),
    ...healthCheckArguments(container),
    ...(container.entryPoint === undefined ? [] : ['--entrypoint', JSON.stringify(container.entryPoint)]),
    container.image,
    ...(container.command ?? []),
  ];
  return { args, stopTimeoutS, environment };
}

function healthCheckArguments(container: ContainerDefinition): string[] {
  const check = container.healthCheck;
  if (check === undefined) return ['--no-healthcheck'];
  const [form, ...argv] = check.command ?? [];
  if (form !== 'CMD' || argv.length === 0) {
    throw new Error(`Health check of ${container.name} must use the CMD form, got ${form}`);
  }
  // ECS's defaults (HealthCheck API reference): interval 30 s, timeout 5 s, 3 retries, no start period.
  return [
    '--health-cmd',
    JSON.stringify(argv),
    '--health-interval',
    `${check.interval ?? 30}s`,
    '--health-timeout',
    `${check.timeout ?? 5}s`,
    '--health-retries',
    String(check.retries ?? 3),
    '--health-start-period',
    `${check.startPeriod ?? 0}s`,
  ];
}
