import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ServiceName } from '../../naming';

/** The backend's Embedded Metric Format timings (backend/src/observability/metrics.ts). */
export const APP_METRICS_NAMESPACE = 'Ragchat';
export const APP_TIMING_METRICS = [
  'EmbeddingLatency',
  'RetrievalLatency',
  'GenerationLatency',
  'QueryLatency',
] as const;

export interface MonitoringProps {
  /** Deployment name (`dev`, `staging`, `prod`); dimensions the app timings and names things. */
  readonly deployment: string;
  readonly topicName: string;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly services: Readonly<Record<ServiceName, ecs.FargateService>>;
  readonly database: rds.DatabaseInstance;
  /** Alarms created elsewhere (e.g. CodeDeploy rollback alarms) that should notify too. */
  readonly extraAlarms?: readonly cloudwatch.Alarm[];
  /**
   * Emails subscribed to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmails?: readonly string[];
}

/** Dashboard and alarms to an encrypted SNS topic for one deployment. */
export class Monitoring extends Construct {
  public readonly topic: sns.Topic;
  /** The topic's key; whatever else publishes to the topic needs it. */
  public readonly topicKey: kms.Key;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key, hence a customer key.
    const key = new kms.Key(this, 'TopicKey', {
      description: `ragchat ${props.deployment} alarm topic`,
      enableKeyRotation: true,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      masterKey: key,
      enforceSSL: true,
    });
    this.topicKey = key;
    for (const email of props.alarmEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    const alb = props.loadBalancer.metrics;
    const minute = { period: Duration.minutes(1) };
    const alarms: cloudwatch.Alarm[] = [
      new cloudwatch.Alarm(this, 'Alb5xx', {
        alarmDescription: 'Load balancer 5xx responses',
        metric: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { ...minute, statistic: 'Sum' }),
        threshold: 10,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'LatencyP95', {
        alarmDescription:
          'p95 target response time above 5 s (chat answers stream, so this is time to headers)',
        metric: alb.targetResponseTime({ ...minute, statistic: 'p95' }),
        threshold: 5,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'DatabaseCpu', {
        alarmDescription: 'Database CPU above 80 %',
        metric: props.database.metricCPUUtilization({ period: Duration.minutes(5) }),
        threshold: 80,
        evaluationPeriods: 3,
      }),
      new cloudwatch.Alarm(this, 'DatabaseStorage', {
        alarmDescription: 'Database free storage below 2 GiB',
        metric: props.database.metricFreeStorageSpace({ period: Duration.minutes(5) }),
        threshold: 2 * 1024 ** 3,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
      }),
    ];
    for (const [name, service] of Object.entries(props.services)) {
      alarms.push(
        new cloudwatch.Alarm(this, `${name}Cpu`, {
          alarmDescription: `${name}: CPU above 90 % for 10 minutes`,
          metric: service.metricCpuUtilization({ period: Duration.minutes(5) }),
          threshold: 90,
          evaluationPeriods: 2,
        }),
        new cloudwatch.Alarm(this, `${name}Memory`, {
          alarmDescription: `${name}: memory above 90 %`,
          metric: service.metricMemoryUtilization({ period: Duration.minutes(5) }),
          threshold: 90,
          evaluationPeriods: 2,
        }),
      );
    }
    this.alarms = alarms;
    const notify = new actions.SnsAction(this.topic);
    for (const alarm of [...alarms, ...(props.extraAlarms ?? [])]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    const services = Object.entries(props.services);
    const appTiming = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: APP_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { Environment: props.deployment },
        statistic: 'p95',
        period: Duration.minutes(1),
      });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `ragchat-${props.deployment}`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'CPU %',
            left: services.map(([, s]) => s.metricCpuUtilization()),
          }),
          new cloudwatch.GraphWidget({
            title: 'Memory %',
            left: services.map(([, s]) => s.metricMemoryUtilization()),
          }),
          new cloudwatch.GraphWidget({
            title: 'Requests',
            left: [alb.requestCount({ ...minute, statistic: 'Sum' })],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Latency (s)',
            left: ['p50', 'p95', 'p99'].map((statistic) => alb.targetResponseTime({ ...minute, statistic })),
          }),
          new cloudwatch.GraphWidget({
            title: '5xx',
            left: [
              alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { ...minute, statistic: 'Sum' }),
              alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { ...minute, statistic: 'Sum' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'App timings p95 (ms)',
            left: APP_TIMING_METRICS.map(appTiming),
          }),
        ],
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: [...alarms, ...(props.extraAlarms ?? [])],
            width: 24,
          }),
        ],
      ],
    });
  }
}
