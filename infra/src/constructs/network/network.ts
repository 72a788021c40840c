import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  readonly cidr: string;
  readonly maxAzs: number;
  /**
   * NAT gateways; with none the app subnets are isolated and reach AWS only through endpoints.
   * @default 0
   */
  readonly natGateways?: number;
  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/** Interface endpoints the tasks and the preview database function need when there is no NAT. */
export const INTERFACE_ENDPOINTS = {
  BedrockRuntime: ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
  EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  XRay: ec2.InterfaceVpcEndpointAwsService.XRAY,
  Ecs: ec2.InterfaceVpcEndpointAwsService.ECS,
  EcsAgent: ec2.InterfaceVpcEndpointAwsService.ECS_AGENT,
  EcsTelemetry: ec2.InterfaceVpcEndpointAwsService.ECS_TELEMETRY,
} as const;

/**
 * VPC with public subnets (load balancer only), app subnets for the tasks and isolated data subnets
 * for the database; S3 gateway and interface endpoints behind one security group open to the VPC
 * on 443; all traffic recorded in flow logs.
 */
export class Network extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly appSubnets: ec2.SubnetSelection;
  public readonly dataSubnets: ec2.SubnetSelection;
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly endpoints: Readonly<Record<keyof typeof INTERFACE_ENDPOINTS, ec2.InterfaceVpcEndpoint>>;
  public readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const natGateways = props.natGateways ?? 0;
    if (natGateways > props.maxAzs) {
      throw new Error(`Network: natGateways (${natGateways}) cannot exceed maxAzs (${props.maxAzs})`);
    }
    const appSubnetType =
      natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      maxAzs: props.maxAzs,
      natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: appSubnetType, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.appSubnets = { subnetGroupName: 'app' };
    this.dataSubnets = { subnetGroupName: 'data' };

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'VPC interface endpoints: HTTPS from inside the VPC only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(props.cidr),
      ec2.Port.tcp(443),
      'HTTPS from the VPC',
    );
    const endpoints = Object.entries(INTERFACE_ENDPOINTS).map(([name, service]) => [
      name,
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: this.appSubnets,
        securityGroups: [this.endpointSecurityGroup],
        // The shared security group above already carries the only ingress rule.
        open: false,
        privateDnsEnabled: true,
      }),
    ]);
    this.endpoints = Object.fromEntries(endpoints) as Network['endpoints'];
  }
}
