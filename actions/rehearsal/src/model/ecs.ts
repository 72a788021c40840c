import type { Ecr } from './ecr';
import { AwsError } from './errors';
import type { Caller, World } from './world';

export interface ContainerDefinition {
  readonly name: string;
  readonly image: string;
  readonly [key: string]: unknown;
}

export interface TaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  readonly containerDefinitions: readonly ContainerDefinition[];
  readonly taskRoleArn?: string;
  readonly executionRoleArn?: string;
  readonly raw: Record<string, unknown>;
}

export interface TaskSet {
  readonly id: string;
  readonly taskDefinitionArn: string;
  readonly targetGroupArn: string | undefined;
  readonly containerPort: number | undefined;
  readonly createdAt: number;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  readonly capacityProvider: string;
  /** Tasks pull their image at start; a missing image means they never run (CannotPullContainerError). */
  readonly imagePullable: boolean;
  readonly image: string;
}

export interface Service {
  readonly name: string;
  readonly arn: string;
  readonly cluster: string;
  readonly controller: 'ECS' | 'CODE_DEPLOY';
  readonly desiredCount: number;
  readonly capacityProvider: string;
  readonly taskSets: TaskSet[];
  readonly containerName: string | undefined;
}

/** Replacement tasks pass the target group's health checks this long after they are started. */
export const TASK_START_MS = 60_000;

export class Ecs {
  readonly taskDefinitions = new Map<string, TaskDefinition[]>();
  readonly services = new Map<string, Service>();

  constructor(
    private readonly world: World,
    private readonly ecr: Ecr,
  ) {}

  register(raw: Record<string, any>): TaskDefinition {
    const family = String(raw.family);
    const revisions = this.taskDefinitions.get(family) ?? [];
    const revision = revisions.length + 1;
    const definition: TaskDefinition = {
      arn: this.world.arn('ecs', `task-definition/${family}:${revision}`),
      family,
      revision,
      containerDefinitions: raw.containerDefinitions ?? [],
      ...(raw.taskRoleArn ? { taskRoleArn: String(raw.taskRoleArn) } : {}),
      ...(raw.executionRoleArn ? { executionRoleArn: String(raw.executionRoleArn) } : {}),
      raw,
    };
    revisions.push(definition);
    this.taskDefinitions.set(family, revisions);
    return definition;
  }

  taskDefinition(reference: string): TaskDefinition {
    const match = /(?:task-definition\/)?([A-Za-z0-9_-]+)(?::(\d+))?$/.exec(reference);
    const revisions = this.taskDefinitions.get(match?.[1] ?? '') ?? [];
    const found = match?.[2] ? revisions[Number(match[2]) - 1] : revisions.at(-1);
    if (!found) throw new AwsError('ClientException', 'Unable to describe task definition.');
    return found;
  }

  /** Starts a task set of `taskDefinitionArn` registered with `targetGroupArn`. */
  startTaskSet(
    service: Service,
    taskDefinitionArn: string,
    targetGroupArn: string | undefined,
    containerPort: number | undefined,
    capacityProvider: string,
  ): TaskSet {
    const definition = this.taskDefinition(taskDefinitionArn);
    const image =
      definition.containerDefinitions.find((c) => c.name === service.containerName)?.image ??
      definition.containerDefinitions[0]?.image ??
      '';
    const found = this.ecr.findByUri(image);
    if (found) found.image.lastPulledAt = this.world.now();
    const taskSet: TaskSet = {
      id: this.world.nextId('ecs-svc/'),
      taskDefinitionArn,
      targetGroupArn,
      containerPort,
      createdAt: this.world.now(),
      status: 'ACTIVE',
      capacityProvider,
      imagePullable: found !== undefined,
      image,
    };
    service.taskSets.push(taskSet);
    return taskSet;
  }

  running(taskSet: TaskSet): boolean {
    return taskSet.imagePullable && this.world.now() - taskSet.createdAt >= TASK_START_MS;
  }

  /** The running task sets registered with a target group (what the ALB can route to). */
  targetsOf(targetGroupArn: string): { service: Service; taskSet: TaskSet }[] {
    const targets: { service: Service; taskSet: TaskSet }[] = [];
    for (const service of this.services.values()) {
      for (const taskSet of service.taskSets) {
        if (taskSet.targetGroupArn === targetGroupArn && this.running(taskSet))
          targets.push({ service, taskSet });
      }
    }
    return targets;
  }

  private passRoles(caller: Caller, raw: Record<string, unknown>): void {
    for (const key of ['taskRoleArn', 'executionRoleArn']) {
      const arn = raw[key];
      if (typeof arn === 'string' && arn) {
        this.world.authorize(caller, 'iam:PassRole', arn, {
          'iam:PassedToService': 'ecs-tasks.amazonaws.com',
        });
      }
    }
  }

  private describe(definition: TaskDefinition) {
    return {
      ...definition.raw,
      taskDefinitionArn: definition.arn,
      family: definition.family,
      revision: definition.revision,
      status: 'ACTIVE',
      containerDefinitions: definition.containerDefinitions,
    };
  }

  readonly operations: Record<string, (caller: Caller, input: any) => unknown> = {
    RegisterTaskDefinition: (caller, input) => {
      this.world.authorize(caller, 'ecs:RegisterTaskDefinition', '*');
      this.passRoles(caller, input);
      const { tags, ...raw } = input as Record<string, unknown>;
      return { taskDefinition: this.describe(this.register(raw)), tags: tags ?? [] };
    },
    DescribeTaskDefinition: (caller, input) => {
      this.world.authorize(caller, 'ecs:DescribeTaskDefinition', '*');
      return { taskDefinition: this.describe(this.taskDefinition(String(input.taskDefinition))), tags: [] };
    },
    DescribeServices: (caller, input) => {
      const services = (input.services as string[]).map((name) => {
        const service = [...this.services.values()].find((s) => s.name === name || s.arn === name);
        if (service) this.world.authorize(caller, 'ecs:DescribeServices', service.arn);
        return service;
      });
      return {
        services: services
          .filter((s) => s !== undefined)
          .map((service) => ({
            serviceName: service.name,
            serviceArn: service.arn,
            clusterArn: this.world.arn('ecs', `cluster/${service.cluster}`),
            deploymentController: { type: service.controller },
            desiredCount: service.desiredCount,
            taskDefinition: service.taskSets.find((t) => t.status === 'PRIMARY')?.taskDefinitionArn,
            taskSets: service.taskSets.map((taskSet) => ({
              id: taskSet.id,
              status: taskSet.status,
              taskDefinition: taskSet.taskDefinitionArn,
              runningCount: this.running(taskSet) ? service.desiredCount : 0,
              capacityProviderStrategy: [{ capacityProvider: taskSet.capacityProvider, weight: 1 }],
            })),
          })),
        failures: [],
      };
    },
  };
}
