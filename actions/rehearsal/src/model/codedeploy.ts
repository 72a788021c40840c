import { parse as parseYaml } from 'yaml';
import type { Ecs, Service, TaskSet } from './ecs';
import type { Elb, Forward } from './elb';
import { AwsError } from './errors';
import type { Caller, World } from './world';

export interface DeploymentGroup {
  readonly application: string;
  readonly name: string;
  readonly arn: string;
  readonly service: Service;
  readonly prodListenerArns: readonly string[];
  readonly testListenerArns: readonly string[];
  /** The two target groups of the pair (blue, green). */
  readonly targetGroupArns: readonly [string, string];
  readonly configName: string;
  readonly readyAction: 'STOP_DEPLOYMENT' | 'CONTINUE_DEPLOYMENT';
  readonly readyWaitMinutes: number;
  readonly terminationWaitMinutes: number;
  readonly alarms: readonly string[];
  readonly autoRollbackEvents: readonly string[];
  lastAttempted?: Deployment;
  lastSuccessful?: Deployment;
}

type Phase = 'install' | 'ready' | 'shift' | 'termination' | 'rollback' | 'done';
const LIFECYCLE = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;

export interface Deployment {
  readonly id: string;
  readonly group: DeploymentGroup;
  readonly createTime: number;
  readonly creator: 'user' | 'autoRollback';
  readonly description: string;
  readonly taskDefinitionArn: string;
  status: 'Created' | 'InProgress' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
  phase: Phase;
  readonly events: Map<string, { status: string; start?: number; end?: number }>;
  readonly original: TaskSet | undefined;
  readonly replacement: TaskSet | undefined;
  readonly replacementTargetGroup: string;
  readonly originalTargetGroup: string;
  readonly rollbackEvents: readonly string[];
  readyDeadline?: number;
  shiftStart?: number;
  terminationEnd?: number;
  completeTime?: number;
  errorInformation?: { code: string; message: string };
  rollbackInfo?: {
    rollbackDeploymentId?: string;
    rollbackTriggeringDeploymentId?: string;
    rollbackMessage?: string;
  };
}

const FINAL = ['Succeeded', 'Failed', 'Stopped'];
/** How long a rollback deployment takes to put the original task set back and end. */
const ROLLBACK_MS = 30_000;
/** A replacement whose image cannot be pulled keeps failing to start; CodeDeploy gives up after this. */
const INSTALL_FAILURE_MS = 10 * 60_000;

/** The traffic steps of a predefined ECS deployment configuration: [offset ms, percent to the replacement]. */
export function shiftSteps(configName: string): [number, number][] {
  if (configName.endsWith('ECSAllAtOnce')) return [[0, 100]];
  const canary = /Canary(\d+)Percent(\d+)Minutes?$/.exec(configName);
  if (canary)
    return [
      [0, Number(canary[1])],
      [Number(canary[2]) * 60_000, 100],
    ];
  const linear = /Linear(\d+)PercentEvery(\d+)Minutes?$/.exec(configName);
  if (linear) {
    const step = Number(linear[1]);
    const steps: [number, number][] = [];
    for (let percent = step, i = 0; percent < 100 + step; percent += step, i++) {
      steps.push([i * Number(linear[2]) * 60_000, Math.min(100, percent)]);
    }
    return steps;
  }
  throw new AwsError(
    'DeploymentConfigDoesNotExistException',
    `No deployment configuration found for name: ${configName}`,
  );
}

export class CodeDeploy {
  readonly groups = new Map<string, DeploymentGroup>();
  readonly deployments = new Map<string, Deployment>();
  /** Alarm states by name; scenarios raise them. */
  readonly alarms = new Map<string, 'OK' | 'ALARM'>();

  constructor(
    private readonly world: World,
    private readonly ecs: Ecs,
    private readonly elb: Elb,
  ) {}

  group(application: string | undefined, name: string | undefined): DeploymentGroup {
    const group = this.groups.get(`${application}/${name}`);
    if (!group) {
      throw new AwsError(
        'DeploymentGroupDoesNotExistException',
        `No Deployment Group found for name: ${name}`,
      );
    }
    return group;
  }

  private deployment(id: string | undefined): Deployment {
    const deployment = this.deployments.get(id ?? '');
    if (!deployment) throw new AwsError('DeploymentDoesNotExistException', `Deployment ${id} does not exist`);
    return deployment;
  }

  private active(group: DeploymentGroup): Deployment | undefined {
    this.advanceAll();
    return [...this.deployments.values()].find((d) => d.group === group && !FINAL.includes(d.status));
  }

  private event(deployment: Deployment, name: string, status: string, at: number): void {
    const current = deployment.events.get(name) ?? { status: 'Pending' };
    deployment.events.set(name, {
      status,
      start: current.start ?? at,
      ...(status === 'Succeeded' || status === 'Failed' ? { end: at } : {}),
    });
  }

  private route(listeners: readonly string[], group: DeploymentGroup, forward: Forward): void {
    for (const arn of listeners) this.elb.reroute(this.elb.listener(arn), group.targetGroupArns, forward);
  }

  private weighted(deployment: Deployment, percent: number): Forward {
    if (percent >= 100)
      return { targets: [{ targetGroupArn: deployment.replacementTargetGroup, weight: 1 }] };
    return {
      targets: [
        { targetGroupArn: deployment.originalTargetGroup, weight: 100 - percent },
        { targetGroupArn: deployment.replacementTargetGroup, weight: percent },
      ],
    };
  }

  create(
    group: DeploymentGroup,
    taskDefinitionArn: string,
    containerPort: number | undefined,
    capacityProvider: string | undefined,
    description: string,
    rollbackEvents: readonly string[],
  ): Deployment {
    const original = group.service.taskSets.find((t) => t.status === 'PRIMARY');
    const originalTargetGroup = original?.targetGroupArn ?? group.targetGroupArns[0];
    const replacementTargetGroup =
      group.targetGroupArns.find((arn) => arn !== originalTargetGroup) ?? group.targetGroupArns[1];
    // Without a CapacityProviderStrategy in the AppSpec the replacement is launched with launch type FARGATE.
    const replacement = this.ecs.startTaskSet(
      group.service,
      taskDefinitionArn,
      replacementTargetGroup,
      containerPort,
      capacityProvider ?? 'FARGATE',
    );
    const deployment: Deployment = {
      id: `d-${this.world.nextId().toUpperCase().padStart(9, 'X')}`,
      group,
      createTime: this.world.now(),
      creator: 'user',
      description,
      taskDefinitionArn,
      status: 'InProgress',
      phase: 'install',
      events: new Map(LIFECYCLE.map((name) => [name, { status: 'Pending' }])),
      original,
      replacement,
      replacementTargetGroup,
      originalTargetGroup,
      rollbackEvents,
    };
    this.event(deployment, 'BeforeInstall', 'Succeeded', deployment.createTime);
    this.event(deployment, 'Install', 'InProgress', deployment.createTime);
    this.deployments.set(deployment.id, deployment);
    group.lastAttempted = deployment;
    return deployment;
  }

  /** Ends a deployment that did not succeed, rolling back when its events ask for it. */
  private end(
    deployment: Deployment,
    status: 'Failed' | 'Stopped',
    event: string,
    code: string,
    message: string,
    at: number,
  ): void {
    deployment.status = status;
    deployment.phase = 'done';
    deployment.completeTime = at;
    deployment.errorInformation = { code, message };
    for (const [name, value] of deployment.events) {
      if (value.status === 'InProgress')
        deployment.events.set(name, {
          ...value,
          status: status === 'Stopped' ? 'Skipped' : 'Failed',
          end: at,
        });
    }
    if (!deployment.rollbackEvents.includes(event)) return;
    const group = deployment.group;
    const rollback: Deployment = {
      id: `d-${this.world.nextId().toUpperCase().padStart(9, 'X')}`,
      group,
      createTime: at,
      creator: 'autoRollback',
      description: `Rollback of ${deployment.id}`,
      taskDefinitionArn: deployment.original?.taskDefinitionArn ?? '',
      status: 'InProgress',
      phase: 'rollback',
      events: new Map(),
      original: deployment.replacement,
      replacement: deployment.original,
      replacementTargetGroup: deployment.originalTargetGroup,
      originalTargetGroup: deployment.replacementTargetGroup,
      rollbackEvents: [],
      rollbackInfo: { rollbackTriggeringDeploymentId: deployment.id },
    };
    // Production and test traffic go back to the original task set at once.
    const back: Forward = { targets: [{ targetGroupArn: deployment.originalTargetGroup, weight: 1 }] };
    this.route(group.prodListenerArns, group, back);
    this.route(group.testListenerArns, group, back);
    deployment.rollbackInfo = {
      rollbackDeploymentId: rollback.id,
      rollbackMessage: `Deployment ${deployment.id} was rolled back by ${rollback.id}: ${message}`,
    };
    this.deployments.set(rollback.id, rollback);
    group.lastAttempted = rollback;
  }

  private advance(deployment: Deployment, now: number): void {
    const group = deployment.group;
    for (let guard = 0; guard < 20 && deployment.phase !== 'done'; guard++) {
      if (deployment.phase === 'rollback') {
        if (now < deployment.createTime + ROLLBACK_MS) return;
        const service = group.service;
        const failed = deployment.original;
        if (failed) service.taskSets.splice(service.taskSets.indexOf(failed), 1);
        if (deployment.replacement) deployment.replacement.status = 'PRIMARY';
        deployment.status = 'Succeeded';
        deployment.phase = 'done';
        deployment.completeTime = deployment.createTime + ROLLBACK_MS;
        return;
      }
      const replacement = deployment.replacement;
      if (!replacement) return;
      if (deployment.phase === 'install') {
        if (!replacement.imagePullable) {
          const at = deployment.createTime + INSTALL_FAILURE_MS;
          if (now < at) return;
          this.end(
            deployment,
            'Failed',
            'DEPLOYMENT_FAILURE',
            'ECS_UPDATE_ERROR',
            `The ECS service cannot be updated: tasks of the replacement task set failed to start (CannotPullContainerError: ${replacement.image} not found)`,
            at,
          );
          return;
        }
        const installed = replacement.createdAt + 60_000;
        if (now < installed) return;
        for (const name of ['Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic']) {
          this.event(deployment, name, 'Succeeded', installed);
        }
        this.route(group.testListenerArns, group, {
          targets: [{ targetGroupArn: deployment.replacementTargetGroup, weight: 1 }],
        });
        if (group.readyAction === 'STOP_DEPLOYMENT' && group.readyWaitMinutes > 0) {
          deployment.phase = 'ready';
          deployment.status = 'Ready';
          deployment.readyDeadline = installed + group.readyWaitMinutes * 60_000;
        } else {
          deployment.phase = 'shift';
          deployment.shiftStart = installed;
        }
        continue;
      }
      if (deployment.phase === 'ready') {
        if (deployment.shiftStart !== undefined) {
          deployment.phase = 'shift';
          deployment.status = 'InProgress';
          continue;
        }
        if (now >= (deployment.readyDeadline ?? now)) {
          this.end(
            deployment,
            'Stopped',
            'DEPLOYMENT_STOP_ON_REQUEST',
            'TIMEOUT',
            'The deployment was stopped: nobody continued it within the ready wait time',
            deployment.readyDeadline ?? now,
          );
        }
        return;
      }
      const alarm = group.alarms.find((name) => this.alarms.get(name) === 'ALARM');
      if (alarm) {
        this.end(
          deployment,
          'Stopped',
          'DEPLOYMENT_STOP_ON_ALARM',
          'ALARM_ACTIVE',
          `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected: ${alarm}`,
          now,
        );
        return;
      }
      if (deployment.phase === 'shift') {
        const start = deployment.shiftStart ?? now;
        const steps = shiftSteps(group.configName);
        const reached = steps.filter(([offset]) => start + offset <= now);
        const percent = reached.at(-1)?.[1] ?? 0;
        this.event(deployment, 'BeforeAllowTraffic', 'Succeeded', start);
        this.event(deployment, 'AllowTraffic', 'InProgress', start);
        this.route(group.prodListenerArns, group, this.weighted(deployment, percent));
        if (percent < 100) return;
        const shifted = start + (steps.at(-1)?.[0] ?? 0);
        this.event(deployment, 'AllowTraffic', 'Succeeded', shifted);
        this.event(deployment, 'AfterAllowTraffic', 'Succeeded', shifted);
        deployment.phase = 'termination';
        deployment.terminationEnd = shifted + group.terminationWaitMinutes * 60_000;
        continue;
      }
      if (deployment.phase === 'termination') {
        if (now < (deployment.terminationEnd ?? now)) return;
        const service = group.service;
        if (deployment.original) service.taskSets.splice(service.taskSets.indexOf(deployment.original), 1);
        replacement.status = 'PRIMARY';
        deployment.status = 'Succeeded';
        deployment.phase = 'done';
        deployment.completeTime = deployment.terminationEnd ?? now;
        group.lastSuccessful = deployment;
      }
    }
  }

  /** Brings every deployment up to the current virtual time (called before anything observes them). */
  advanceAll(): void {
    const now = this.world.now();
    for (const deployment of [...this.deployments.values()]) this.advance(deployment, now);
  }

  private authorizeGroup(caller: Caller, action: string, group: DeploymentGroup): void {
    this.world.authorize(caller, `codedeploy:${action}`, group.arn);
  }

  private info(deployment: Deployment) {
    const group = deployment.group;
    return {
      deploymentId: deployment.id,
      applicationName: group.application,
      deploymentGroupName: group.name,
      deploymentConfigName: group.configName,
      status: deployment.status,
      computePlatform: 'ECS',
      creator: deployment.creator,
      description: deployment.description,
      createTime: deployment.createTime / 1000,
      ...(deployment.completeTime ? { completeTime: deployment.completeTime / 1000 } : {}),
      ...(deployment.errorInformation ? { errorInformation: deployment.errorInformation } : {}),
      ...(deployment.rollbackInfo ? { rollbackInfo: deployment.rollbackInfo } : {}),
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    };
  }

  readonly operations: Record<string, (caller: Caller, input: any) => unknown> = {
    GetDeploymentGroup: (caller, input) => {
      const group = this.group(input.applicationName, input.deploymentGroupName);
      this.authorizeGroup(caller, 'GetDeploymentGroup', group);
      this.advanceAll();
      const summary = (d: Deployment | undefined) =>
        d
          ? {
              deploymentId: d.id,
              status: d.status,
              createTime: d.createTime / 1000,
              ...(d.completeTime ? { endTime: d.completeTime / 1000 } : {}),
            }
          : undefined;
      return {
        deploymentGroupInfo: {
          applicationName: group.application,
          deploymentGroupName: group.name,
          deploymentConfigName: group.configName,
          computePlatform: 'ECS',
          ecsServices: [{ serviceName: group.service.name, clusterName: group.service.cluster }],
          blueGreenDeploymentConfiguration: {
            deploymentReadyOption: {
              actionOnTimeout: group.readyAction,
              waitTimeInMinutes: group.readyWaitMinutes,
            },
            terminateBlueInstancesOnDeploymentSuccess: {
              action: 'TERMINATE',
              terminationWaitTimeInMinutes: group.terminationWaitMinutes,
            },
          },
          alarmConfiguration: {
            enabled: group.alarms.length > 0,
            alarms: group.alarms.map((name) => ({ name })),
          },
          autoRollbackConfiguration: {
            enabled: group.autoRollbackEvents.length > 0,
            events: group.autoRollbackEvents,
          },
          ...(group.lastAttempted ? { lastAttemptedDeployment: summary(group.lastAttempted) } : {}),
          ...(group.lastSuccessful ? { lastSuccessfulDeployment: summary(group.lastSuccessful) } : {}),
        },
      };
    },
    CreateDeployment: (caller, input) => {
      const group = this.group(input.applicationName, input.deploymentGroupName);
      this.authorizeGroup(caller, 'CreateDeployment', group);
      const content = input.revision?.appSpecContent?.content ?? input.revision?.string?.content;
      if (typeof content !== 'string')
        throw new AwsError('RevisionRequiredException', 'The revision ID was not specified.');
      const spec = parseYaml(content) as Record<string, any>;
      const target = spec?.Resources?.[0]?.TargetService;
      const taskDefinitionArn = target?.Properties?.TaskDefinition;
      if (target?.Type !== 'AWS::ECS::Service' || typeof taskDefinitionArn !== 'string') {
        throw new AwsError(
          'InvalidRevisionException',
          'The AppSpec has no AWS::ECS::Service TargetService with a TaskDefinition',
        );
      }
      const definition = this.ecs.taskDefinition(taskDefinitionArn);
      const containerName = target.Properties.LoadBalancerInfo?.ContainerName;
      if (!definition.containerDefinitions.some((c) => c.name === containerName)) {
        throw new AwsError(
          'InvalidRevisionException',
          `The container ${containerName} does not exist in task definition ${taskDefinitionArn}`,
        );
      }
      const active = this.active(group);
      if (active) {
        throw new AwsError(
          'DeploymentLimitExceededException',
          `The Deployment Group '${group.name}' already has an active Deployment '${active.id}'`,
        );
      }
      const strategy = target.Properties.CapacityProviderStrategy?.[0]?.CapacityProvider;
      const rollbackEvents: string[] =
        input.autoRollbackConfiguration?.enabled === false
          ? []
          : (input.autoRollbackConfiguration?.events ?? group.autoRollbackEvents);
      const deployment = this.create(
        group,
        definition.arn,
        target.Properties.LoadBalancerInfo?.ContainerPort,
        strategy,
        String(input.description ?? ''),
        rollbackEvents,
      );
      return { deploymentId: deployment.id };
    },
    GetDeployment: (caller, input) => {
      const deployment = this.deployment(input.deploymentId);
      this.authorizeGroup(caller, 'GetDeployment', deployment.group);
      this.advanceAll();
      return { deploymentInfo: this.info(deployment) };
    },
    ListDeploymentTargets: (caller, input) => {
      const deployment = this.deployment(input.deploymentId);
      this.authorizeGroup(caller, 'ListDeploymentTargets', deployment.group);
      return { targetIds: [`${deployment.group.service.cluster}:${deployment.group.service.name}`] };
    },
    GetDeploymentTarget: (caller, input) => {
      const deployment = this.deployment(input.deploymentId);
      this.authorizeGroup(caller, 'GetDeploymentTarget', deployment.group);
      this.advanceAll();
      const listener = this.elb.listener(deployment.group.prodListenerArns[0] ?? '');
      const weightOf = (tg: string) => {
        const forward = listener.defaultAction.targets.some((t) =>
          deployment.group.targetGroupArns.includes(t.targetGroupArn),
        )
          ? listener.defaultAction
          : (listener.rules.find((r) =>
              r.action.targets.some((t) => deployment.group.targetGroupArns.includes(t.targetGroupArn)),
            )?.action ?? listener.defaultAction);
        const total = forward.targets.reduce((sum, t) => sum + t.weight, 0) || 1;
        return (100 * (forward.targets.find((t) => t.targetGroupArn === tg)?.weight ?? 0)) / total;
      };
      const taskSets = [deployment.original, deployment.replacement].filter(
        (t): t is TaskSet => t !== undefined,
      );
      return {
        deploymentTarget: {
          deploymentTargetType: 'ECSTarget',
          ecsTarget: {
            deploymentId: deployment.id,
            targetId: `${deployment.group.service.cluster}:${deployment.group.service.name}`,
            targetArn: deployment.group.service.arn,
            status: deployment.status === 'Ready' ? 'Ready' : deployment.status,
            lifecycleEvents: [...deployment.events].map(([lifecycleEventName, e]) => ({
              lifecycleEventName,
              status: e.status,
              ...(e.start ? { startTime: e.start / 1000 } : {}),
              ...(e.end ? { endTime: e.end / 1000 } : {}),
            })),
            taskSetsInfo: taskSets.map((taskSet) => ({
              identifer: taskSet.id,
              desiredCount: deployment.group.service.desiredCount,
              runningCount: this.ecs.running(taskSet) ? deployment.group.service.desiredCount : 0,
              status: taskSet.status,
              trafficWeight: taskSet.targetGroupArn ? weightOf(taskSet.targetGroupArn) : 0,
              targetGroup: { name: this.elb.targetGroups.get(taskSet.targetGroupArn ?? '')?.name },
              taskSetLabel: taskSet === deployment.replacement ? 'Green' : 'Blue',
            })),
          },
        },
      };
    },
    ContinueDeployment: (caller, input) => {
      const deployment = this.deployment(input.deploymentId);
      this.authorizeGroup(caller, 'ContinueDeployment', deployment.group);
      this.advanceAll();
      if ((input.deploymentWaitType ?? 'READY_WAIT') === 'READY_WAIT') {
        if (deployment.status !== 'Ready') {
          throw new AwsError(
            'DeploymentIsNotInReadyStateException',
            `The deployment ${deployment.id} does not have a status of Ready and can't continue yet`,
          );
        }
        deployment.shiftStart = this.world.now();
      } else if (deployment.phase === 'termination') {
        deployment.terminationEnd = this.world.now();
      }
      this.advanceAll();
      return {};
    },
    StopDeployment: (caller, input) => {
      const deployment = this.deployment(input.deploymentId);
      this.authorizeGroup(caller, 'StopDeployment', deployment.group);
      this.advanceAll();
      if (FINAL.includes(deployment.status)) {
        throw new AwsError(
          'DeploymentAlreadyCompletedException',
          `The deployment ${deployment.id} has already completed`,
        );
      }
      const events = input.autoRollbackEnabled === false ? [] : deployment.rollbackEvents;
      Object.assign(deployment, { rollbackEvents: events });
      this.end(
        deployment,
        'Stopped',
        'DEPLOYMENT_STOP_ON_REQUEST',
        'DEPLOYMENT_STOPPED',
        'The deployment was stopped by a user',
        this.world.now(),
      );
      return { status: 'Pending', statusMessage: 'Stopping Pending. Stopping the deployment with rollback' };
    },
    GetApplication: (caller, input) => {
      this.world.authorize(
        caller,
        'codedeploy:GetApplication',
        this.world.arn('codedeploy', `application:${input.applicationName}`),
      );
      return { application: { applicationName: input.applicationName, computePlatform: 'ECS' } };
    },
    GetDeploymentConfig: (caller, input) => {
      this.world.authorize(
        caller,
        'codedeploy:GetDeploymentConfig',
        this.world.arn('codedeploy', `deploymentconfig:${input.deploymentConfigName}`),
      );
      shiftSteps(String(input.deploymentConfigName));
      return {
        deploymentConfigInfo: { deploymentConfigName: input.deploymentConfigName, computePlatform: 'ECS' },
      };
    },
  };
}
