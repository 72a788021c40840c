import { Duration, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, DependencyGroup } from 'constructs';
import { SERVICES, type ServiceName } from '../../naming';
import { authenticated, type ListenerAuth } from '../sign-in/sign-in';
import { LiveTargetGroups } from './live-target-groups';

export interface LoadBalancerProps {
  readonly vpc: ec2.IVpc;
  /** ACM certificate of the HTTPS listeners (443 and the test port); port 80 redirects to 443. */
  readonly certificateArn: string;
  /** Host name the certificate covers; the public and test URLs use it. */
  readonly domainName: string;
  /** The sign-in every forwarding route of both listeners sits behind. */
  readonly auth: ListenerAuth;
  /**
   * Requests to the test listener carrying this header and value skip the ALB sign-in (the smoke
   * test: a CI job cannot sign in interactively). The services still verify who is calling.
   */
  readonly automationHeader: AutomationHeader;
  /**
   * Port of the CodeDeploy test listener.
   * @default 8443
   */
  readonly testListenerPort?: number;
  /**
   * CIDRs allowed to reach the test listener.
   * @default ['0.0.0.0/0']
   */
  readonly testListenerCidrs?: readonly string[];
  /**
   * ALB deletion protection.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Days the access logs are kept.
   * @default 90
   */
  readonly accessLogDays?: number;
}

/** Priority of the public listener's backend routing rule; preview stacks use 1000 and above. */
export const BACKEND_RULE_PRIORITY = 10;
/**
 * Priority of the test listener's signed-in backend routing rule: ALB's last, so that the
 * automation rules of the environment and of every preview (which match `/api/*` too, but only
 * with their own secret header) come first.
 */
export const TEST_BACKEND_RULE_PRIORITY = 50_000;
/** Paths the backend serves; everything else goes to the frontend. */
export const BACKEND_PATHS = ['/api/*', '/health'];

/** Priorities of the test listener's automation rules (backend paths first), below the routing rules. */
export const AUTOMATION_RULE_PRIORITIES = { backend: 5, frontend: 6 } as const;

/** A header whose value is a secret; the value is resolved by CloudFormation, never synthesized. */
export interface AutomationHeader {
  readonly name: string;
  /** Secrets Manager secret whose SecretString is the value. */
  readonly secretArn: string;
}

/**
 * Matches requests carrying the automation header with its secret value. The value is a dynamic
 * reference: CloudFormation resolves it at deploy time, so the secret is in neither the template
 * nor the synthesized output.
 */
export function automationCondition(header: AutomationHeader): elbv2.ListenerCondition {
  return elbv2.ListenerCondition.httpHeader(header.name, [
    SecretValue.secretsManager(header.secretArn).unsafeUnwrap(),
  ]);
}

/** Blue and green target groups of one service. */
export interface TargetGroupPair {
  readonly blue: elbv2.ApplicationTargetGroup;
  readonly green: elbv2.ApplicationTargetGroup;
}

/**
 * Internet-facing ALB with access logs, HTTPS only (port 80 redirects), every forwarding route
 * behind the sign-in. The public listener routes `/api/*` and `/health` to the backend and
 * everything else to the frontend. The test listener routes exactly like it at rest:
 * a CodeDeploy deployment moves only the deployed service's test route to its replacement target
 * group, so the other service's test route keeps reaching live tasks (an empty target group answers
 * 503). CodeDeploy leaves both listeners on the replacement group when it finishes.
 */
export class LoadBalancer extends Construct {
  public readonly alb: elbv2.ApplicationLoadBalancer;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly accessLogBucket: s3.Bucket;
  /** The HTTPS listener users reach. */
  public readonly listener: elbv2.ApplicationListener;
  public readonly testListener: elbv2.ApplicationListener;
  public readonly targetGroups: Readonly<Record<ServiceName, TargetGroupPair>>;
  /** Where each service is live now; the listeners and rules forward there. */
  public readonly live: LiveTargetGroups;
  /** The listeners and rules: a service registering in a target group must wait for them. */
  public readonly routes: DependencyGroup;
  /** `https://<domain>`. */
  public readonly url: string;
  /** The test listener on the same host as `url`: a certificate covers the domain, not the ALB's name. */
  public readonly testListenerUrl: string;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const testPort = props.testListenerPort ?? 8443;
    if ([80, 443].includes(testPort)) {
      throw new Error(`LoadBalancer: testListenerPort ${testPort} collides with the public listeners`);
    }

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      // ALB access logs only support SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogDays ?? 90) }],
      // Kept after the stack is gone: access logs outlive the load balancer (the lifecycle rule still expires them).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the ALB access logs; logging access to the log bucket would recurse.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Public ALB',
      allowAllOutbound: false,
    });
    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      deletionProtection: props.deletionProtection ?? false,
      dropInvalidHeaderFields: true,
    });
    this.alb.logAccessLogs(this.accessLogBucket, 'alb');

    this.securityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(80),
      'HTTP from the internet (redirect)',
    );
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
    for (const cidr of props.testListenerCidrs ?? ['0.0.0.0/0']) {
      this.securityGroup.addIngressRule(
        ec2.Peer.ipv4(cidr),
        ec2.Port.tcp(testPort),
        'CodeDeploy test listener',
      );
    }
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'Internet-facing load balancer: the public listeners must accept any client address.',
    });

    const targetGroup = (service: ServiceName, colour: string) =>
      new elbv2.ApplicationTargetGroup(this, `${service}${colour}`, {
        vpc: props.vpc,
        targetType: elbv2.TargetType.IP,
        port: SERVICES[service].containerPort,
        protocol: elbv2.ApplicationProtocol.HTTP,
        deregistrationDelay: Duration.seconds(30),
        healthCheck: {
          path: SERVICES[service].healthPath,
          healthyHttpCodes: '200',
          interval: Duration.seconds(15),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
        },
      });
    const pair = (service: ServiceName): TargetGroupPair => ({
      blue: targetGroup(service, 'Blue'),
      green: targetGroup(service, 'Green'),
    });
    this.targetGroups = { backend: pair('backend'), frontend: pair('frontend') };

    this.live = new LiveTargetGroups(this, 'Live', {
      loadBalancer: this.alb,
      productionPorts: [443, 80],
      services: {
        backend: { route: { kind: 'rule', priority: BACKEND_RULE_PRIORITY }, ...this.targetGroups.backend },
        frontend: { route: { kind: 'default' }, ...this.targetGroups.frontend },
      },
      // Every input of the listener and rule definitions below besides their forward targets.
      layout: {
        certificateArn: props.certificateArn,
        auth: props.auth.kind,
        automationHeader: props.automationHeader.name,
        testPort,
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        backendPaths: BACKEND_PATHS,
        backendPriority: BACKEND_RULE_PRIORITY,
        testBackendPriority: TEST_BACKEND_RULE_PRIORITY,
      },
    });
    const liveFrontend = this.live.targetGroup('frontend');
    const liveBackend = this.live.targetGroup('backend');
    this.routes = new DependencyGroup();
    // addAction names the rule `<listener>/<name>BackendRule`, the logical id it always had.
    const routeTo = (listener: elbv2.ApplicationListener, name: string, priority: number) => {
      listener.addAction(`${name}Backend`, {
        priority,
        conditions: [elbv2.ListenerCondition.pathPatterns(BACKEND_PATHS)],
        action: authenticated(props.auth, elbv2.ListenerAction.forward([liveBackend])),
      });
      this.routes.add(listener);
    };
    const https = (id: string, port: number) =>
      this.alb.addListener(id, {
        port,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultAction: authenticated(props.auth, elbv2.ListenerAction.forward([liveFrontend])),
        open: false,
      });

    this.listener = https('Https', 443);
    this.alb.addListener('HttpRedirect', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      open: false,
    });
    routeTo(this.listener, 'Public', BACKEND_RULE_PRIORITY);

    this.testListener = https('Test', testPort);
    routeTo(this.testListener, 'Test', TEST_BACKEND_RULE_PRIORITY);
    const automation = automationCondition(props.automationHeader);
    this.testListener.addAction('AutomationBackend', {
      priority: AUTOMATION_RULE_PRIORITIES.backend,
      conditions: [automation, elbv2.ListenerCondition.pathPatterns(BACKEND_PATHS)],
      action: elbv2.ListenerAction.forward([liveBackend]),
    });
    this.testListener.addAction('AutomationFrontend', {
      priority: AUTOMATION_RULE_PRIORITIES.frontend,
      conditions: [automation],
      action: elbv2.ListenerAction.forward([liveFrontend]),
    });

    const origin = `https://${props.domainName}`;
    this.url = origin;
    this.testListenerUrl = `${origin}:${testPort}`;
  }

  /** Lets the ALB reach a service's tasks on its container port. */
  public allowTo(peer: ec2.ISecurityGroup, service: ServiceName): void {
    const port = ec2.Port.tcp(SERVICES[service].containerPort);
    this.securityGroup.addEgressRule(peer, port, `to the ${service} tasks`);
    peer.addIngressRule(this.securityGroup, port, 'from the load balancer');
  }
}
