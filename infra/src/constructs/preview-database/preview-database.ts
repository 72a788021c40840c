import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeManagedPolicies, acknowledgeWildcards } from '../../nag';
import { infraPath } from '../../paths';

export interface PreviewDatabaseProviderProps {
  /** Admin credentials of the host instance (JSON with host, port, username, password). */
  readonly adminSecret: secretsmanager.ISecret;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** A security group the database admits (the backend tasks' group). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Name of the provider function CloudFormation invokes, so the preview deployer can be scoped to it. */
  readonly providerFunctionName: string;
  /**
   * Retention of the functions' logs.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The host environment's custom resource provider that creates and drops preview databases in its
 * instance. It lives in the host, deployed from main, so the host's admin credentials never reach a
 * preview stack, whose template and code a pull request controls: the function reads the admin
 * secret from its own configuration (never from the request), and only `ragchat-pr-*` secrets.
 */
export class PreviewDatabaseProvider extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: PreviewDatabaseProviderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      entry: infraPath('lambda', 'preview-database', 'index.ts'),
      bundling: {
        // The runtime ships the AWS SDK; pg's optional native binding is never used.
        externalModules: ['@aws-sdk/*', 'pg-native'],
        minify: true,
        sourceMap: false,
        logLevel: nodejs.LogLevel.ERROR,
      },
      timeout: Duration.minutes(2),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      environment: {
        ADMIN_SECRET_ARN: props.adminSecret.secretArn,
        // Node 20+ runtimes no longer trust the RDS CAs unless told to load Lambda's bundle.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      }),
      description: 'Creates and drops ragchat_pr_<n> preview databases',
    });
    props.adminSecret.grantRead(this.function);
    const previewSecrets = `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:ragchat-pr-*`;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [previewSecrets],
      }),
    );

    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      providerFunctionName: props.providerFunctionName,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      }),
    });

    acknowledgeManagedPolicies(
      this,
      ['service-role/AWSLambdaBasicExecutionRole', 'service-role/AWSLambdaVPCAccessExecutionRole'],
      'The AWS-maintained minimum for a Lambda function (logs) in a VPC (network interfaces).',
    );
    acknowledgeWildcards(
      this.function,
      [previewSecrets],
      'The function reads the credentials secret of whichever preview it creates; all are named ragchat-pr-*.',
    );
    const functionLogicalId = stack.getLogicalId(this.function.node.defaultChild as lambda.CfnFunction);
    acknowledgeWildcards(
      this.provider,
      [`<${functionLogicalId}.Arn>:*`],
      'The provider framework invokes any version of its own handler function, and nothing else.',
    );
    Validations.of(this.provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The provider framework pins its own runtime; the handler uses the newest Node.js LTS runtime.',
    });
  }
}

export interface PreviewDatabaseProps {
  /** Database and role name, `ragchat_pr_<n>`. */
  readonly databaseName: string;
  /** Service token of the host's {@link PreviewDatabaseProvider}. */
  readonly serviceToken: string;
  /** Endpoint of the host instance, written into the preview's credentials secret. */
  readonly host: string;
  readonly port: string;
  /** Name of the preview's credentials secret. */
  readonly secretName: string;
}

const NAME = /^ragchat_pr_[0-9]{1,6}$/;

/**
 * A database and login role of its own for one preview, inside the host environment's instance,
 * made by the host's provider: created when the stack is deployed, dropped (connections and all)
 * when it is deleted. The credentials secret has the same shape as the host's, so the backend
 * reads it unchanged.
 */
export class PreviewDatabase extends Construct {
  public readonly secret: secretsmanager.Secret;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: PreviewDatabaseProps) {
    super(scope, id);
    if (!NAME.test(props.databaseName)) {
      throw new Error(`PreviewDatabase: "${props.databaseName}" is not a ragchat_pr_<number> name`);
    }
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: `Credentials of the ${props.databaseName} preview database`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          engine: 'postgres',
          host: props.host,
          port: props.port,
          username: props.databaseName,
          dbname: props.databaseName,
        }),
        generateStringKey: 'password',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Lives only as long as the pull request; dropped with the preview stack.',
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.serviceToken,
      resourceType: 'Custom::PreviewDatabase',
      properties: {
        PreviewSecretArn: this.secret.secretArn,
        DatabaseName: props.databaseName,
      },
    });
  }
}
