import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';

export interface AppClusterProps {
  readonly vpc: ec2.IVpc;
  readonly clusterName: string;
  /** Private DNS namespace the services register in, e.g. `ragchat-dev.local`. */
  readonly namespaceName: string;
}

/** ECS cluster with Container Insights and both Fargate capacity providers, plus its Cloud Map namespace. */
export class AppCluster extends Construct {
  public readonly cluster: ecs.Cluster;
  public readonly namespace: servicediscovery.PrivateDnsNamespace;

  constructor(scope: Construct, id: string, props: AppClusterProps) {
    super(scope, id);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: props.clusterName,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });
    this.namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
      vpc: props.vpc,
      name: props.namespaceName,
      description: 'Service-to-service names (frontend -> backend)',
    });
  }
}
