import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * PostgreSQL 17, major version only: RDS creates new instances on the current default minor (every
 * 17 minor from 17.5 on ships pgvector >= 0.8.0) and auto minor version upgrades move it on. A
 * pinned minor fails new environments once RDS deprecates it.
 */
export const POSTGRES_VERSION = rds.PostgresEngineVersion.of('17', '17');
export const POSTGRES_PORT = 5432;

export interface DatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets the instance lives in. */
  readonly subnets: ec2.SubnetSelection;
  /** Name of the generated admin credentials secret. */
  readonly secretName: string;
  /** DB instance identifier; also names the PostgreSQL log group. */
  readonly instanceIdentifier: string;
  /**
   * Instance type.
   * @default t4g.small
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Standby in a second AZ.
   * @default false
   */
  readonly multiAz?: boolean;
  /**
   * Refuse deletion; also keeps a final snapshot policy.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Automated backup retention.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * Initial storage in GiB.
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Storage autoscaling ceiling in GiB.
   * @default 100
   */
  readonly maxAllocatedStorageGiB?: number;
  /**
   * Retention of the exported PostgreSQL log.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * RDS PostgreSQL with pgvector: encrypted, in isolated subnets, credentials generated into Secrets
 * Manager, Performance Insights on. Nobody can connect until `allowFrom` names a security group.
 */
export class Database extends Construct {
  public readonly instance: rds.DatabaseInstance;
  public readonly secret: secretsmanager.ISecret;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly logGroup: logs.LogGroup;
  /** Name of the application database inside the instance. */
  public readonly databaseName = 'ragchat';

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'PostgreSQL: reachable only from the backend tasks',
      allowAllOutbound: false,
    });
    const deletionProtection = props.deletionProtection ?? false;
    // Created here rather than by RDS so retention is set without a log-retention custom resource.
    this.logGroup = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${props.instanceIdentifier}/postgresql`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The backend reads host, port, dbname, username and password from this one secret.
    const adminSecret = new rds.DatabaseSecret(this, 'AdminSecret', {
      username: 'ragchat_admin',
      secretName: props.secretName,
      dbname: this.databaseName,
    });
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: POSTGRES_VERSION }),
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      port: POSTGRES_PORT,
      publiclyAccessible: false,
      credentials: rds.Credentials.fromSecret(adminSecret),
      databaseName: this.databaseName,
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB ?? 20,
      maxAllocatedStorage: props.maxAllocatedStorageGiB ?? 100,
      multiAz: props.multiAz ?? false,
      deletionProtection,
      backupRetention: props.backupRetention ?? Duration.days(7),
      deleteAutomatedBackups: !deletionProtection,
      removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT,
      enablePerformanceInsights: true,
      instanceIdentifier: props.instanceIdentifier,
      cloudwatchLogsExports: ['postgresql'],
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
    });
    this.instance.node.addDependency(this.logGroup);
    this.secret = this.instance.secret!;

    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason: 'The default port is fine: the security group admits only the backend tasks.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Tasks read the credentials once at start; rotation would break running tasks, so the secret is ' +
        'rotated by a planned rotation followed by a redeploy (infra/README.md).',
    });
    if (!(props.multiAz ?? false)) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: 'Single-AZ by design outside prod (cost); prod config requires multiAz.',
      });
    }
    if (!deletionProtection) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Deletion protection is for prod; dev and staging must be destroyable (a snapshot is kept).',
      });
    }
  }

  /** Lets a security group connect to PostgreSQL; the only way in. */
  public allowFrom(peer: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(POSTGRES_PORT), description);
  }
}
