import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface SigninKeyProxyProps {
  readonly vpc: ec2.IVpc;
  /** Subnets of the tasks; the execute-api endpoint gets an interface there. */
  readonly subnets: ec2.SubnetSelection;
  /** The VPC's interface endpoint security group (HTTPS from the VPC). */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The ALB's public signing keys (`https://public-keys.auth.elb.<region>.amazonaws.com/<kid>`) for
 * tasks without internet access: a private REST API, reachable only through this VPC's execute-api
 * endpoint, whose one route `GET /keys/{kid}` is an HTTP proxy to exactly that AWS endpoint. No NAT:
 * the tasks can fetch signing keys and nothing else on the internet. The services still verify
 * every signature themselves; the proxy only carries public keys.
 */
export class SigninKeyProxy extends Construct {
  /** SIGNIN_KEY_ENDPOINT: the services fetch `<keyEndpoint>/<kid>`. */
  public readonly keyEndpoint: string;
  public readonly endpoint: ec2.InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: SigninKeyProxyProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.endpoint = new ec2.InterfaceVpcEndpoint(this, 'ExecuteApiEndpoint', {
      vpc: props.vpc,
      service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
      subnets: props.subnets,
      securityGroups: [props.endpointSecurityGroup],
      open: false,
      privateDnsEnabled: true,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-signin-keys`,
      description: 'ALB sign-in public keys for tasks without internet access',
      endpointConfiguration: { types: [apigateway.EndpointType.PRIVATE], vpcEndpoints: [this.endpoint] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.clf(),
        throttlingRateLimit: 20,
        throttlingBurstLimit: 40,
      },
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            principals: [new iam.AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
            conditions: { StringEquals: { 'aws:SourceVpce': this.endpoint.vpcEndpointId } },
          }),
        ],
      }),
    });
    const kid = api.root.addResource('keys').addResource('{kid}');
    kid.addMethod(
      'GET',
      new apigateway.HttpIntegration(`https://public-keys.auth.elb.${region}.amazonaws.com/{kid}`, {
        httpMethod: 'GET',
        proxy: true,
        options: { requestParameters: { 'integration.request.path.kid': 'method.request.path.kid' } },
      }),
      { requestParameters: { 'method.request.path.kid': true } },
    );
    this.keyEndpoint = `${api.deploymentStage.urlForPath('/keys')}`;
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'One GET route with a path parameter and no body; the upstream answers 4xx for unknown key ids.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: 'Private API reachable only through this VPC endpoint; WAF protects the internet-facing ALB.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Serves AWS public keys (public data) to callers inside this VPC only (resource policy on aws:SourceVpce).',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'Public keys need no user authorization; the resource policy limits callers to this VPC.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Access logs are on; execution logging needs an account-wide API Gateway role this stack does not own.',
      },
    );
  }
}
