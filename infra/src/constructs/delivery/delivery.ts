import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { acknowledgeManagedPolicies } from '../../nag';
import type { ServiceName } from '../../naming';
import type { TargetGroupPair } from '../load-balancer/load-balancer';

export interface DeliveredService {
  readonly service: ecs.IBaseService;
  readonly deploymentGroupName: string;
  readonly targetGroups: TargetGroupPair;
}

export interface DeliveryProps {
  readonly applicationName: string;
  /** The load balancer in front of both target groups; their metrics are per load balancer. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.IApplicationListener;
  readonly testListener: elbv2.IApplicationListener;
  readonly services: Readonly<Record<ServiceName, DeliveredService>>;
  /** `canary` shifts 10 % of traffic, waits 5 minutes, then shifts the rest. */
  readonly strategy: 'all-at-once' | 'canary';
  /**
   * How long a deployment waits at Ready for ContinueDeployment before it stops (and rolls back).
   * @default Duration.minutes(30)
   */
  readonly readyWait?: Duration;
  /**
   * How long the old task set is kept after the shift.
   * @default Duration.minutes(5)
   */
  readonly terminationWait?: Duration;
}

/** Rollback alarms of one service. */
export interface ServiceDeploymentAlarms {
  readonly target5xx: cloudwatch.Alarm;
  readonly unhealthyHosts: cloudwatch.Alarm;
}

/**
 * CodeDeploy blue/green for the ECS services: one application, one deployment group per service
 * that waits at Ready (test listener) for the workflow's go-ahead, and rolls back on failure, on
 * stop and when the service's 5xx or unhealthy-host alarm fires.
 */
export class Delivery extends Construct {
  public readonly application: codedeploy.EcsApplication;
  public readonly deploymentGroups: Readonly<Record<ServiceName, codedeploy.EcsDeploymentGroup>>;
  public readonly alarms: Readonly<Record<ServiceName, ServiceDeploymentAlarms>>;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    this.application = new codedeploy.EcsApplication(this, 'Application', {
      applicationName: props.applicationName,
    });
    const deploymentConfig =
      props.strategy === 'canary'
        ? codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES
        : codedeploy.EcsDeploymentConfig.ALL_AT_ONCE;

    const deliver = (name: ServiceName) => {
      const delivered = props.services[name];
      const alarms = this.createAlarms(name, delivered.targetGroups, props.loadBalancer);
      const group = new codedeploy.EcsDeploymentGroup(this, `${name}DeploymentGroup`, {
        application: this.application,
        deploymentGroupName: delivered.deploymentGroupName,
        service: delivered.service,
        deploymentConfig,
        blueGreenDeploymentConfig: {
          blueTargetGroup: delivered.targetGroups.blue,
          greenTargetGroup: delivered.targetGroups.green,
          listener: props.listener,
          testListener: props.testListener,
          deploymentApprovalWaitTime: props.readyWait ?? Duration.minutes(30),
          terminationWaitTime: props.terminationWait ?? Duration.minutes(5),
        },
        alarms: [alarms.target5xx, alarms.unhealthyHosts],
        autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      });
      acknowledgeManagedPolicies(
        group,
        ['AWSCodeDeployRoleForECS'],
        'The AWS-maintained policy CodeDeploy needs to run ECS blue/green; AWS keeps it current.',
      );
      return { group, alarms };
    };
    const backend = deliver('backend');
    const frontend = deliver('frontend');
    this.deploymentGroups = { backend: backend.group, frontend: frontend.group };
    this.alarms = { backend: backend.alarms, frontend: frontend.alarms };
  }

  // Blue and green take turns serving production, so each alarm watches both target groups. The
  // metrics are built by hand: the idle target group is attached to no listener, which the target
  // group's own metric helpers refuse.
  private createAlarms(
    service: ServiceName,
    pair: TargetGroupPair,
    loadBalancer: elbv2.ApplicationLoadBalancer,
  ): ServiceDeploymentAlarms {
    const metric = (tg: elbv2.ApplicationTargetGroup, metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName,
        dimensionsMap: {
          TargetGroup: tg.targetGroupFullName,
          LoadBalancer: loadBalancer.loadBalancerFullName,
        },
        period: Duration.minutes(1),
        statistic,
      });
    const both = (metricName: string, statistic: string, expression: string) =>
      new cloudwatch.MathExpression({
        expression,
        usingMetrics: {
          blue: metric(pair.blue, metricName, statistic),
          green: metric(pair.green, metricName, statistic),
        },
        period: Duration.minutes(1),
      });
    const target5xx = new cloudwatch.Alarm(this, `${service}Target5xx`, {
      alarmDescription: `${service}: target 5xx responses (CodeDeploy rolls back)`,
      metric: both(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, 'Sum', 'FILL(blue, 0) + FILL(green, 0)'),
      threshold: 5,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const unhealthyHosts = new cloudwatch.Alarm(this, `${service}UnhealthyHosts`, {
      alarmDescription: `${service}: unhealthy targets (CodeDeploy rolls back)`,
      metric: both('UnHealthyHostCount', 'Maximum', 'MAX([FILL(blue, 0), FILL(green, 0)])'),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return { target5xx, unhealthyHosts };
  }
}
