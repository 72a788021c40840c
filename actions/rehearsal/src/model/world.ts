import { createHash, randomBytes } from 'node:crypto';
import type { VirtualClock } from '../clock/clock';
import { AwsError } from './errors';
import { accessDenied, type ConditionContext, evaluate, type PolicyDocument, type Role } from './iam';

export interface Session {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly role: Role;
  readonly sessionName: string;
  readonly expiration: number;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  readonly arn: string;
  /** The web identity token's claims, for the record. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface Caller {
  readonly session: Session;
}

/** One AWS or GitHub API call as the model saw it, for the live log and the scenario assertions. */
export interface CallRecord {
  readonly time: number;
  readonly service: string;
  readonly operation: string;
  readonly principal: string;
  readonly resource?: string;
  readonly outcome: string;
}

/** A web response of a fake task, decided per release by the scenario. */
export type TaskBehaviour = (request: {
  readonly method: string;
  readonly path: string;
  readonly service: string;
}) => number;

/** Everything the model holds; each service module reads and changes its part. */
export class World {
  readonly account = '111122223333';
  readonly region = 'us-east-1';
  readonly calls: CallRecord[] = [];
  readonly roles = new Map<string, Role>();
  readonly oidcProviders = new Map<string, { url: string; clientIds: string[] }>();
  readonly sessions = new Map<string, Session>();
  /** Customer managed policies by ARN (roles reference them in managedPolicyArns). */
  readonly managedPolicies = new Map<string, PolicyDocument>();
  private sequence = 0;

  constructor(
    readonly clock: VirtualClock,
    readonly log: (line: string) => void,
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** A short unique id (hex), stable in order of creation. */
  nextId(prefix = ''): string {
    this.sequence += 1;
    return `${prefix}${this.sequence.toString(16).padStart(6, '0')}`;
  }

  digestOf(...parts: string[]): string {
    return `sha256:${createHash('sha256').update(parts.join('\0')).digest('hex')}`;
  }

  arn(service: string, resource: string, region = this.region): string {
    return `arn:aws:${service}:${service === 'iam' ? '' : region}:${this.account}:${resource}`;
  }

  record(call: Omit<CallRecord, 'time'>): void {
    const entry = { time: this.now(), ...call };
    this.calls.push(entry);
    this.log(
      `    aws ${call.service}:${call.operation}${call.resource ? ` ${call.resource}` : ''} by ${call.principal}: ${call.outcome}`,
    );
  }

  createSession(role: Role, sessionName: string, durationSeconds: number, claims?: Record<string, unknown>) {
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const session: Session = {
      accessKeyId,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
      role,
      sessionName,
      expiration: this.now() + durationSeconds * 1000,
      arn: `arn:aws:sts::${this.account}:assumed-role/${role.name}/${sessionName}`,
      ...(claims ? { claims } : {}),
    };
    this.sessions.set(accessKeyId, session);
    return session;
  }

  /** The caller behind an access key id; expired sessions fail as STS documents it. */
  caller(accessKeyId: string | undefined): Caller {
    if (!accessKeyId)
      throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    const session = this.sessions.get(accessKeyId);
    if (!session) {
      throw new AwsError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    if (this.now() >= session.expiration) {
      throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired');
    }
    return { session };
  }

  /** Checks the caller's identity policies for `action` on `resource`; AccessDenied as AWS says it. */
  authorize(caller: Caller, action: string, resource: string, context: ConditionContext = {}): void {
    const role = this.roles.get(caller.session.role.name) ?? caller.session.role;
    const decision = evaluate(
      role,
      action,
      resource,
      { 'aws:PrincipalArn': role.arn, ...context },
      this.managedPolicies,
    );
    if (!decision.allowed) throw accessDenied(caller.session.arn, action, resource, decision.reason);
  }
}
