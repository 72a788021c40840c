import { Fn, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/** What a preview stack borrows from its host environment, keyed as in the SSM parameter names. */
export interface PreviewHostAttributes {
  readonly vpcId: string;
  /** Comma-separated app subnet ids. */
  readonly appSubnetIds: string;
  readonly clusterName: string;
  readonly namespaceId: string;
  readonly namespaceName: string;
  readonly listenerArn: string;
  /** Base URL of the listener (`https://<domain>`). */
  readonly listenerUrl: string;
  /** The test listener, where automation with a preview's own secret header reaches that preview. */
  readonly testListenerArn: string;
  /** Base URL of the test listener (`https://<domain>:<test port>`). */
  readonly testListenerUrl: string;
  readonly albSecurityGroupId: string;
  readonly backendSecurityGroupId: string;
  readonly frontendSecurityGroupId: string;
  /** Endpoint of the host's database instance (not secret; its credentials never leave the host). */
  readonly databaseHost: string;
  readonly databasePort: string;
  /** Service token of the host's preview database provider. */
  readonly databaseServiceToken: string;
  /** The host's load balancer: the signer of the sign-in tokens previews receive. */
  readonly albArn: string;
  /** Where the host VPC's tasks fetch the sign-in keys. */
  readonly signinKeyEndpoint: string;
  readonly signinIssuer: string;
  readonly signinClientId: string;
  /** The host's Cognito user pool; `none` when it signs in through its own OIDC provider. */
  readonly signinUserPoolArn: string;
  /** The host's Bedrock guardrail, which previews apply too. */
  readonly guardrailArn: string;
  readonly guardrailId: string;
  readonly guardrailVersion: string;
}

const KEYS: readonly (keyof PreviewHostAttributes)[] = [
  'vpcId',
  'appSubnetIds',
  'clusterName',
  'namespaceId',
  'namespaceName',
  'listenerArn',
  'listenerUrl',
  'testListenerArn',
  'testListenerUrl',
  'albSecurityGroupId',
  'backendSecurityGroupId',
  'frontendSecurityGroupId',
  'databaseHost',
  'databasePort',
  'databaseServiceToken',
  'albArn',
  'signinKeyEndpoint',
  'signinIssuer',
  'signinClientId',
  'signinUserPoolArn',
  'guardrailArn',
  'guardrailId',
  'guardrailVersion',
];

export interface PreviewHostExportsProps {
  /** Maps an attribute key to its SSM parameter name. */
  readonly parameterName: (key: keyof PreviewHostAttributes) => string;
  readonly attributes: PreviewHostAttributes;
}

/**
 * Publishes the attributes preview stacks need as SSM parameters. Unlike CloudFormation exports,
 * parameters do not pin the environment stack while previews exist, and they resolve at deploy
 * time, so a preview synthesizes without AWS access.
 */
export class PreviewHostExports extends Construct {
  public readonly parameters: readonly ssm.StringParameter[];

  constructor(scope: Construct, id: string, props: PreviewHostExportsProps) {
    super(scope, id);
    this.parameters = KEYS.map(
      (key) =>
        new ssm.StringParameter(this, key, {
          parameterName: props.parameterName(key),
          stringValue: props.attributes[key],
          description: `ragchat preview host: ${key}`,
        }),
    );
  }
}

export interface PreviewHostProps {
  readonly parameterName: (key: keyof PreviewHostAttributes) => string;
  /** AZs of the host VPC, one app subnet each. */
  readonly availabilityZones: readonly string[];
}

/** The host environment's resources inside a preview stack, resolved from SSM at deploy time. */
export class PreviewHost extends Construct {
  public readonly vpc: ec2.IVpc;
  public readonly appSubnets: ec2.SubnetSelection;
  public readonly cluster: ecs.ICluster;
  public readonly namespace: servicediscovery.IPrivateDnsNamespace;
  public readonly listener: elbv2.IApplicationListener;
  public readonly listenerUrl: string;
  public readonly testListener: elbv2.IApplicationListener;
  public readonly testListenerUrl: string;
  public readonly securityGroups: {
    readonly alb: ec2.ISecurityGroup;
    readonly backend: ec2.ISecurityGroup;
    readonly frontend: ec2.ISecurityGroup;
  };
  public readonly database: {
    readonly host: string;
    readonly port: string;
    readonly serviceToken: string;
  };
  public readonly signIn: {
    readonly albArn: string;
    readonly keyEndpoint: string;
    readonly issuer: string;
    readonly clientId: string;
    readonly userPoolArn: string;
  };
  public readonly guardrail: { readonly arn: string; readonly id: string; readonly version: string };

  constructor(scope: Construct, id: string, props: PreviewHostProps) {
    super(scope, id);
    const value = (key: keyof PreviewHostAttributes) =>
      ssm.StringParameter.valueForStringParameter(this, props.parameterName(key));
    const subnetIds = Fn.split(',', value('appSubnetIds'), props.availabilityZones.length);
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: value('vpcId'),
      availabilityZones: [...props.availabilityZones],
      isolatedSubnetIds: subnetIds,
    });
    this.appSubnets = {
      subnets: subnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(this, `AppSubnet${i}`, subnetId)),
    };
    const securityGroup = (key: keyof PreviewHostAttributes) =>
      ec2.SecurityGroup.fromSecurityGroupId(this, key, value(key), {
        mutable: false,
        allowAllOutbound: false,
      });
    this.securityGroups = {
      alb: securityGroup('albSecurityGroupId'),
      backend: securityGroup('backendSecurityGroupId'),
      frontend: securityGroup('frontendSecurityGroupId'),
    };
    this.cluster = ecs.Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: value('clusterName'),
      vpc: this.vpc,
    });
    this.namespace = servicediscovery.PrivateDnsNamespace.fromPrivateDnsNamespaceAttributes(
      this,
      'Namespace',
      {
        namespaceId: value('namespaceId'),
        namespaceName: value('namespaceName'),
        namespaceArn: Stack.of(this).formatArn({
          service: 'servicediscovery',
          resource: 'namespace',
          resourceName: value('namespaceId'),
        }),
      },
    );
    this.listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(this, 'Listener', {
      listenerArn: value('listenerArn'),
      securityGroup: this.securityGroups.alb,
    });
    this.listenerUrl = value('listenerUrl');
    this.testListener = elbv2.ApplicationListener.fromApplicationListenerAttributes(this, 'TestListener', {
      listenerArn: value('testListenerArn'),
      securityGroup: this.securityGroups.alb,
    });
    this.testListenerUrl = value('testListenerUrl');
    Validations.of(this).acknowledge({
      id: '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: 'The preview never reads route tables of the borrowed subnets.',
    });
    // The imported listener requires its security group, though nothing in the stack references it.
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W2001',
      reason:
        'The albSecurityGroupId parameter is required by the listener import but unused in the template.',
    });
    this.database = {
      host: value('databaseHost'),
      port: value('databasePort'),
      serviceToken: value('databaseServiceToken'),
    };
    this.signIn = {
      albArn: value('albArn'),
      keyEndpoint: value('signinKeyEndpoint'),
      issuer: value('signinIssuer'),
      clientId: value('signinClientId'),
      userPoolArn: value('signinUserPoolArn'),
    };
    this.guardrail = {
      arn: value('guardrailArn'),
      id: value('guardrailId'),
      version: value('guardrailVersion'),
    };
  }
}
