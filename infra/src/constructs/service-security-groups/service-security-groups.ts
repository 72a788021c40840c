import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SERVICES } from '../../naming';

export interface ServiceSecurityGroupsProps {
  readonly vpc: ec2.IVpc;
  /** The database's security group; only the backend may reach it. */
  readonly databaseSecurityGroup: ec2.ISecurityGroup;
  readonly databasePort: number;
}

/**
 * Security groups of the two services. Ingress: frontend from the load balancer, backend from the
 * load balancer and the frontend. Egress: HTTPS (VPC endpoints and the S3 gateway; without NAT
 * nothing else answers), frontend to backend, backend to PostgreSQL.
 */
export class ServiceSecurityGroups extends Construct {
  public readonly backend: ec2.SecurityGroup;
  public readonly frontend: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ServiceSecurityGroupsProps) {
    super(scope, id);
    const group = (name: string) =>
      new ec2.SecurityGroup(this, name, {
        vpc: props.vpc,
        description: `ragchat ${name} tasks`,
        allowAllOutbound: false,
      });
    this.backend = group('backend');
    this.frontend = group('frontend');
    // The S3 prefix list id is only known by a lookup, which synthesis must not need.
    for (const sg of [this.backend, this.frontend]) {
      sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs via VPC endpoints and S3');
    }
    const backendPort = ec2.Port.tcp(SERVICES.backend.containerPort);
    this.frontend.addEgressRule(this.backend, backendPort, 'frontend to backend');
    this.backend.addIngressRule(this.frontend, backendPort, 'frontend to backend');
    this.backend.addEgressRule(
      props.databaseSecurityGroup,
      ec2.Port.tcp(props.databasePort),
      'backend to PostgreSQL',
    );
  }
}
