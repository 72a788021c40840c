import { AwsError } from './errors';
import { type ConditionContext, trustAllows } from './iam';
import { GITHUB_ISSUER, type OidcSigner } from './oidc';
import type { Session, World } from './world';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

export interface AssumedCredentials {
  readonly session: Session;
  readonly subject?: string;
}

function roleOf(world: World, roleArn: string) {
  const match = ROLE_ARN.exec(roleArn);
  const role = match ? world.roles.get(match[2] ?? '') : undefined;
  if (!role || match?.[1] !== world.account) {
    throw new AwsError(
      'AccessDenied',
      `Not authorized to perform sts:AssumeRoleWithWebIdentity on ${roleArn}`,
      403,
    );
  }
  return role;
}

function duration(requested: string | undefined, max: number): number {
  const seconds = requested === undefined || requested === '' ? 3600 : Number(requested);
  if (!Number.isInteger(seconds) || seconds < 900) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${requested}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  }
  if (seconds > max) {
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  return seconds;
}

/** AssumeRoleWithWebIdentity with a GitHub OIDC token, checked against the role's trust policy. */
export function assumeRoleWithWebIdentity(world: World, signer: OidcSigner, params: Record<string, string>) {
  const roleArn = params.RoleArn ?? '';
  const role = roleOf(world, roleArn);
  const claims = signer.verify(params.WebIdentityToken ?? '');
  if (!claims)
    throw new AwsError('InvalidIdentityToken', 'The web identity token could not be verified', 400);
  const issuer = String(claims.iss ?? '');
  const provider = [...world.oidcProviders.entries()].find(([, p]) => p.url === issuer);
  if (!provider) {
    throw new AwsError(
      'InvalidIdentityToken',
      `No OpenIDConnect provider found in your account for ${issuer}`,
    );
  }
  if (Number(claims.exp) * 1000 <= world.now()) {
    throw new AwsError(
      'ExpiredTokenException',
      'Token expired: current date/time must be before the expiration date/time',
    );
  }
  if (!provider[1].clientIds.includes(String(claims.aud))) {
    throw new AwsError('InvalidIdentityToken', 'Incorrect token audience');
  }
  const host = issuer.replace(/^https:\/\//, '');
  const context: ConditionContext = Object.fromEntries(
    Object.entries(claims).map(([key, value]) => [`${host}:${key}`, String(value)]),
  );
  if (!trustAllows(role, 'sts:AssumeRoleWithWebIdentity', { federated: provider[0] }, context)) {
    throw new AwsError(
      'AccessDenied',
      `Not authorized to perform sts:AssumeRoleWithWebIdentity (role ${role.name}, sub ${String(claims.sub)})`,
      403,
    );
  }
  const seconds = duration(params.DurationSeconds, role.maxSessionDuration);
  const session = world.createSession(role, params.RoleSessionName ?? 'session', seconds, claims);
  world.record({
    service: 'sts',
    operation: 'AssumeRoleWithWebIdentity',
    principal: String(claims.sub),
    resource: role.arn,
    outcome: `ok, ${seconds} s session`,
  });
  return { session, subject: String(claims.sub), provider: provider[0], audience: String(claims.aud) };
}

/** AssumeRole from another session (the CDK CLI assuming its bootstrap deploy role). */
export function assumeRole(world: World, from: Session, roleArn: string, sessionName: string): Session {
  const role = roleOf(world, roleArn);
  world.authorize(
    { session: from },
    'sts:AssumeRole',
    role.arn,
    Object.fromEntries(Object.entries(role.tags).map(([key, value]) => [`iam:ResourceTag/${key}`, value])),
  );
  if (!trustAllows(role, 'sts:AssumeRole', { aws: from.role.arn }, {})) {
    throw new AwsError('AccessDenied', `${from.arn} is not trusted by ${role.arn}`, 403);
  }
  return world.createSession(role, sessionName, 3600);
}

export { GITHUB_ISSUER };
