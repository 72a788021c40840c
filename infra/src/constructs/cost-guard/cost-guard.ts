import { Duration } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface CostGuardProps {
  /** Deployment name; the budget counts resources tagged `environment=<deployment>`. */
  readonly deployment: string;
  readonly monthlyBudgetUsd: number;
  /** Bedrock model ids whose throttles and output tokens are watched. */
  readonly modelIds: readonly string[];
  /** Output tokens per hour (all watched models) above which the token alarm fires. */
  readonly outputTokensPerHourAlarm: number;
  /** The alarm topic and its key; AWS Budgets is allowed to publish there. */
  readonly topic: sns.ITopic;
  readonly topicKey: kms.IKey;
}

/**
 * What the environment spends: an AWS Budgets monthly cost budget (notifying the alarm topic at
 * 80 % actual and 100 % forecast) and alarms on Bedrock throttles and output tokens.
 */
export class CostGuard extends Construct {
  public readonly budget: budgets.CfnBudget;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: CostGuardProps) {
    super(scope, id);
    const budgetsPrincipal = new iam.ServicePrincipal('budgets.amazonaws.com');
    props.topic.grantPublish(budgetsPrincipal);
    props.topicKey.grant(budgetsPrincipal, 'kms:Decrypt', 'kms:GenerateDataKey*');
    const subscribers = [{ subscriptionType: 'SNS', address: props.topic.topicArn }];
    const notification = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: {
        notificationType,
        comparisonOperator: 'GREATER_THAN',
        threshold,
        thresholdType: 'PERCENTAGE',
      },
      subscribers,
    });
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: `ragchat-${props.deployment}`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyBudgetUsd, unit: 'USD' },
        // Needs `environment` activated as a cost allocation tag (docs/operations.md).
        costFilters: { TagKeyValue: [`user:environment$${props.deployment}`] },
      },
      notificationsWithSubscribers: [notification('ACTUAL', 80), notification('FORECASTED', 100)],
    });

    const bedrock = (metricName: string, modelId: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Bedrock',
        metricName,
        dimensionsMap: { ModelId: modelId },
        statistic: 'Sum',
        period,
      });
    const sumOver = (metricName: string, period: Duration) =>
      new cloudwatch.MathExpression({
        expression: props.modelIds.map((_, i) => `m${i}`).join(' + '),
        usingMetrics: Object.fromEntries(
          props.modelIds.map((modelId, i) => [`m${i}`, bedrock(metricName, modelId, period)]),
        ),
        period,
      });
    this.alarms = [
      new cloudwatch.Alarm(this, 'BedrockThrottles', {
        alarmDescription: `${props.deployment}: Bedrock throttled calls (5 or more in 5 minutes)`,
        metric: sumOver('InvocationThrottles', Duration.minutes(5)),
        threshold: 5,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'BedrockOutputTokens', {
        alarmDescription: `${props.deployment}: Bedrock output tokens above ${props.outputTokensPerHourAlarm} in an hour`,
        metric: sumOver('OutputTokenCount', Duration.hours(1)),
        threshold: props.outputTokensPerHourAlarm,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    const notify = new actions.SnsAction(props.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}
