import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeManagedPolicies, acknowledgeWildcards } from '../../nag';
import { SERVICE_NAMES, type ServiceName } from '../../naming';
import { infraPath } from '../../paths';

/** Where a service's production route lives on the listener: its default action or a rule. */
export type RouteLocation =
  | { readonly kind: 'default' }
  | { readonly kind: 'rule'; readonly priority: number };

export interface LiveTargetGroupsProps {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Ports a forwarding production listener may be on, in order of preference. */
  readonly productionPorts: readonly number[];
  readonly services: Readonly<
    Record<
      ServiceName,
      {
        readonly route: RouteLocation;
        readonly blue: elbv2.IApplicationTargetGroup;
        readonly green: elbv2.IApplicationTargetGroup;
      }
    >
  >;
  /**
   * Everything the listeners and rules are built from except their forward targets. The live state
   * is read again exactly when this changes, which is when CloudFormation rewrites them.
   */
  readonly layout: unknown;
}

/**
 * The target group each service's production route forwards to right now, read from the load
 * balancer by a custom resource (infra/lambda/live-target-groups). CodeDeploy swaps blue and green
 * on every deployment without CloudFormation knowing, so listeners and rules that named "blue" in
 * the template would send production to the idle group on the next update that touches them.
 */
export class LiveTargetGroups extends Construct {
  private readonly resource: CustomResource;
  private readonly loadBalancerArn: string;

  constructor(scope: Construct, id: string, props: LiveTargetGroupsProps) {
    super(scope, id);
    this.loadBalancerArn = props.loadBalancer.loadBalancerArn;
    const fn = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        readFileSync(infraPath('lambda', 'live-target-groups', 'index.js'), 'utf8'),
      ),
      timeout: Duration.minutes(1),
      logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH }),
      description: 'Reads which target group each service is live on (CodeDeploy blue/green)',
    });
    // Describe* calls of Elastic Load Balancing support no resource-level permissions.
    const describe = new iam.PolicyStatement({
      actions: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeRules'],
      resources: ['*'],
    });
    fn.addToRolePolicy(describe);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: fn,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::LiveTargetGroups',
      properties: {
        LoadBalancerArn: this.loadBalancerArn,
        ProductionPorts: props.productionPorts.map(String),
        Services: SERVICE_NAMES.map((name) => {
          const service = props.services[name];
          return {
            Name: name,
            RulePriority: service.route.kind === 'default' ? 'default' : String(service.route.priority),
            Blue: service.blue.targetGroupArn,
            Green: service.green.targetGroupArn,
          };
        }),
        Layout: createHash('sha256').update(JSON.stringify(props.layout)).digest('hex'),
      },
    });
    acknowledgeManagedPolicies(
      this,
      ['service-role/AWSLambdaBasicExecutionRole'],
      'The AWS-maintained minimum for a Lambda function (logs).',
    );
    acknowledgeWildcards(
      this,
      describe.resources,
      'DescribeListeners and DescribeRules support no resource-level permissions; read-only.',
    );
    const functionLogicalId = Stack.of(this).getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    acknowledgeWildcards(
      provider,
      [`<${functionLogicalId}.Arn>:*`],
      'The provider framework invokes any version of its own handler function, and nothing else.',
    );
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The provider framework pins its own runtime; the handler uses the newest Node.js LTS runtime.',
    });
  }

  /** The service's live target group, to forward to. */
  public targetGroup(service: ServiceName): elbv2.IApplicationTargetGroup {
    const live = elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(this, `${service}Live`, {
      targetGroupArn: this.resource.getAttString(service),
      loadBalancerArns: this.loadBalancerArn,
    });
    Validations.of(live).acknowledge({
      id: '@aws-cdk/aws-elbv2:albTargetGroupCannotRegisterListener',
      reason: 'LoadBalancer.allowTo opens the load balancer to the tasks of both target groups explicitly.',
    });
    return live;
  }
}
