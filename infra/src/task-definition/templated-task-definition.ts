import { Duration, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type RenderContext, renderTaskDefinition } from './render';
import type { ContainerTemplate, TaskDefinitionTemplate } from './template';

export interface TemplatedTaskDefinitionProps {
  /** The service's template from infra/taskdefs. */
  readonly template: TaskDefinitionTemplate;
  /** What the placeholders resolve to (CDK tokens are fine). */
  readonly context: RenderContext;
  /** Must be the role `{{outputs.executionRoleArn}}` names. */
  readonly executionRole: iam.IRole;
  /** Must be the role `{{service.taskRoleArn}}` names. */
  readonly taskRole: iam.IRole;
  /** Secrets the template may reference by ARN in `secrets[].valueFrom`. */
  readonly secrets: readonly secretsmanager.ISecret[];
}

const ARCHITECTURES: Readonly<Record<'X86_64' | 'ARM64', ecs.CpuArchitecture>> = {
  X86_64: ecs.CpuArchitecture.X86_64,
  ARM64: ecs.CpuArchitecture.ARM64,
};

/**
 * A Fargate task definition built from a rendered template, the same template the deploy actions
 * render for every later revision. Every template field maps onto the task definition; anything
 * the template names but this construct cannot honour fails synthesis.
 */
export class TemplatedTaskDefinition extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The template after rendering, as the deploy actions would register it. */
  public readonly rendered: TaskDefinitionTemplate;

  constructor(scope: Construct, id: string, props: TemplatedTaskDefinitionProps) {
    super(scope, id);
    const rendered = renderTaskDefinition(props.template, props.context);
    this.rendered = rendered;
    const where = `Task definition ${rendered.family}`;
    if (rendered.executionRoleArn !== props.executionRole.roleArn) {
      throw new Error(`${where}: executionRoleArn does not resolve to the execution role`);
    }
    if (rendered.taskRoleArn !== props.taskRole.roleArn) {
      throw new Error(`${where}: taskRoleArn does not resolve to the service task role`);
    }
    const cpu = Number(rendered.cpu);
    const memory = Number(rendered.memory);
    if (!Number.isInteger(cpu) || !Number.isInteger(memory)) {
      throw new Error(
        `${where}: cpu and memory must render to integers, got "${rendered.cpu}"/"${rendered.memory}"`,
      );
    }
    const platform = rendered.runtimePlatform;
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Resource', {
      family: rendered.family,
      cpu,
      memoryLimitMiB: memory,
      executionRole: props.executionRole,
      taskRole: props.taskRole,
      ...(platform
        ? {
            runtimePlatform: {
              cpuArchitecture: ARCHITECTURES[platform.cpuArchitecture],
              operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
            },
          }
        : {}),
    });

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'Plain environment variables carry configuration only; secrets come from Secrets Manager.',
    });

    const secretsByArn = new Map(props.secrets.map((secret) => [secret.secretArn, secret]));
    const containers = new Map<string, ecs.ContainerDefinition>();
    for (const container of rendered.containerDefinitions) {
      containers.set(
        container.name,
        this.taskDefinition.addContainer(
          container.name,
          this.containerOptions(container, secretsByArn, where),
        ),
      );
    }
    for (const container of rendered.containerDefinitions) {
      for (const dependency of container.dependsOn ?? []) {
        containers.get(container.name)?.addContainerDependencies({
          container: containers.get(dependency.containerName)!,
          condition: dependency.condition as ecs.ContainerDependencyCondition,
        });
      }
    }
  }

  private containerOptions(
    container: ContainerTemplate,
    secretsByArn: ReadonlyMap<string, secretsmanager.ISecret>,
    where: string,
  ): ecs.ContainerDefinitionOptions {
    const secrets: Record<string, ecs.Secret> = {};
    for (const { name, valueFrom } of container.secrets ?? []) {
      const secret = secretsByArn.get(valueFrom);
      if (!secret)
        throw new Error(`${where}: secret ${name} does not reference a secret this stack provides`);
      secrets[name] = ecs.Secret.fromSecretsManager(secret);
    }
    const health = container.healthCheck;
    const log = container.logConfiguration;
    return {
      containerName: container.name,
      image: ecs.ContainerImage.fromRegistry(container.image),
      essential: container.essential ?? true,
      ...(container.cpu !== undefined ? { cpu: container.cpu } : {}),
      ...(container.memory !== undefined ? { memoryLimitMiB: container.memory } : {}),
      ...(container.memoryReservation !== undefined
        ? { memoryReservationMiB: container.memoryReservation }
        : {}),
      portMappings: (container.portMappings ?? []).map((mapping) => ({
        containerPort: mapping.containerPort,
        protocol: mapping.protocol === 'udp' ? ecs.Protocol.UDP : ecs.Protocol.TCP,
        ...(mapping.name !== undefined ? { name: mapping.name } : {}),
      })),
      environment: Object.fromEntries((container.environment ?? []).map((e) => [e.name, e.value])),
      secrets,
      readonlyRootFilesystem: container.readonlyRootFilesystem ?? false,
      ...(health
        ? {
            healthCheck: {
              command: [...health.command],
              ...(health.interval !== undefined ? { interval: Duration.seconds(health.interval) } : {}),
              ...(health.timeout !== undefined ? { timeout: Duration.seconds(health.timeout) } : {}),
              ...(health.retries !== undefined ? { retries: health.retries } : {}),
              ...(health.startPeriod !== undefined
                ? { startPeriod: Duration.seconds(health.startPeriod) }
                : {}),
            },
          }
        : {}),
      ...(log
        ? {
            logging: new ecs.GenericLogDriver({
              logDriver: log.logDriver,
              options: { ...(log.options ?? {}) },
            }),
          }
        : {}),
    };
  }
}
