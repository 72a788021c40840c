import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import type { TemplatedTaskDefinition } from '../../task-definition/templated-task-definition';

export interface AppServiceProps {
  readonly cluster: ecs.ICluster;
  readonly serviceName: string;
  readonly taskDefinition: TemplatedTaskDefinition;
  readonly containerName: string;
  readonly containerPort: number;
  /** Subnets the tasks run in (never public). */
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * `code-deploy` hands every revision after the first to CodeDeploy blue/green; `rolling` lets
   * CloudFormation roll out new task definitions (preview stacks).
   */
  readonly deployment: 'code-deploy' | 'rolling';
  /**
   * Target group the tasks register in (the blue one for CodeDeploy).
   * @default - not behind the load balancer
   */
  readonly targetGroup?: elbv2.IApplicationTargetGroup;
  /**
   * Register the tasks as `<name>.<namespace>` in Cloud Map.
   * @default - no Cloud Map name
   */
  readonly cloudMap?: { readonly namespace: servicediscovery.INamespace; readonly name: string };
  /**
   * Task count range; CPU target tracking moves between them.
   * @default { min: 1, max: 1 }
   */
  readonly count?: { readonly min: number; readonly max: number };
  /**
   * Average CPU the service scales to.
   * @default 70
   */
  readonly cpuTargetPercent?: number;
  /** The log group the task definition's awslogs configuration names; created here. */
  readonly logGroup: { readonly name: string; readonly retention: logs.RetentionDays };
  /**
   * Run on FARGATE_SPOT.
   * @default false
   */
  readonly spot?: boolean;
}

/**
 * The service's capacity providers. The deploy outputs publish the same list, so that the AppSpec
 * of every CodeDeploy deployment repeats it (otherwise replacement tasks start on FARGATE).
 */
export function capacityProviderStrategy(spot: boolean): ecs.CapacityProviderStrategy[] {
  return [{ capacityProvider: spot ? 'FARGATE_SPOT' : 'FARGATE', weight: 1 }];
}

/**
 * One Fargate service in private subnets without public IPs, with CPU autoscaling, an optional
 * target group and an optional Cloud Map name.
 */
export class AppService extends Construct {
  public readonly service: ecs.FargateService;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppServiceProps) {
    super(scope, id);
    const min = props.count?.min ?? 1;
    const max = props.count?.max ?? 1;
    if (min < 1 || max < min)
      throw new Error(`AppService ${props.serviceName}: need 1 <= min <= max, got ${min}..${max}`);
    if (props.subnets.subnetType === ec2.SubnetType.PUBLIC) {
      throw new Error(`AppService ${props.serviceName}: tasks must not run in public subnets`);
    }
    const codeDeploy = props.deployment === 'code-deploy';
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.logGroup.name,
      retention: props.logGroup.retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      serviceName: props.serviceName,
      taskDefinition: props.taskDefinition.taskDefinition,
      desiredCount: min,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      assignPublicIp: false,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      ...(props.targetGroup ? { healthCheckGracePeriod: Duration.seconds(60) } : {}),
      capacityProviderStrategies: capacityProviderStrategy(props.spot ?? false),
      deploymentController: {
        type: codeDeploy ? ecs.DeploymentControllerType.CODE_DEPLOY : ecs.DeploymentControllerType.ECS,
      },
      ...(codeDeploy
        ? {}
        : {
            circuitBreaker: { enable: true, rollback: true },
            minHealthyPercent: 100,
            maxHealthyPercent: 200,
          }),
      ...(props.cloudMap
        ? {
            cloudMapOptions: {
              name: props.cloudMap.name,
              cloudMapNamespace: props.cloudMap.namespace,
              containerPort: props.containerPort,
              dnsTtl: Duration.seconds(10),
            },
          }
        : {}),
    });
    if (codeDeploy) {
      Validations.of(this.service).acknowledge({
        id: '@aws-cdk/aws-ecs:minHealthyPercent',
        reason: 'CodeDeploy replaces whole task sets; rolling-update percentages do not apply.',
      });
    }
    // The awslogs driver names the group literally, so ordering has to be explicit.
    this.service.node.addDependency(this.logGroup);
    if (props.targetGroup) {
      props.targetGroup.addTarget(
        this.service.loadBalancerTarget({
          containerName: props.containerName,
          containerPort: props.containerPort,
        }),
      );
    }
    if (max > min) {
      const scaling = this.service.autoScaleTaskCount({ minCapacity: min, maxCapacity: max });
      scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: props.cpuTargetPercent ?? 70,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1),
      });
    }
  }
}
