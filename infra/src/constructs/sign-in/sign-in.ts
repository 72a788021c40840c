import { Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2Actions from 'aws-cdk-lib/aws-elasticloadbalancingv2-actions';
import { Construct } from 'constructs';
import type { OidcSignIn, SignInSettings } from '../../config/environment-config';

/** Group whose members may manage documents (the backend's SIGNIN_ADMIN_GROUP default). */
export const ADMIN_GROUP = 'ragchat-admins';
/** Claim Cognito lists a user's groups in. */
export const COGNITO_GROUPS_CLAIM = 'cognito:groups';
/** How long an ALB sign-in session lasts before the IdP is asked again. */
const SESSION_TIMEOUT = Duration.hours(8);

/** What the services need to verify the ALB's token: SIGNIN_ISSUER, SIGNIN_CLIENT_ID, groups. */
export interface SignInClaims {
  readonly issuer: string;
  readonly clientId: string;
  readonly groupsClaim: string;
  readonly adminGroup: string;
}

/** The pieces of a Cognito sign-in a listener action needs; previews import them from the host. */
export interface CognitoListenerAuth {
  readonly kind: 'cognito';
  readonly userPool: cognito.IUserPool;
  readonly client: cognito.IUserPoolClient;
  readonly domain: cognito.IUserPoolDomain;
}

export type ListenerAuth = CognitoListenerAuth | { readonly kind: 'oidc'; readonly settings: OidcSignIn };

/**
 * `next` behind the load balancer's sign-in: browsers without a session go to the IdP, and the
 * request reaches `next` with the signed `x-amzn-oidc-data` header.
 */
export function authenticated(auth: ListenerAuth, next: elbv2.ListenerAction): elbv2.ListenerAction {
  if (auth.kind === 'cognito') {
    return new elbv2Actions.AuthenticateCognitoAction({
      userPool: auth.userPool,
      userPoolClient: auth.client,
      userPoolDomain: auth.domain,
      sessionTimeout: SESSION_TIMEOUT,
      next,
    });
  }
  const { settings } = auth;
  return elbv2.ListenerAction.authenticateOidc({
    issuer: settings.issuer,
    authorizationEndpoint: settings.authorizationEndpoint,
    tokenEndpoint: settings.tokenEndpoint,
    userInfoEndpoint: settings.userInfoEndpoint,
    clientId: settings.clientId,
    clientSecret: SecretValue.secretsManager(settings.clientSecretName),
    scope: 'openid email profile',
    sessionTimeout: SESSION_TIMEOUT,
    next,
  });
}

export interface SignInProps {
  readonly settings: SignInSettings;
  /** `https://<domain>`: the only origin the Cognito app client may return to. */
  readonly origin: string;
  /** Deployment name, for descriptions. */
  readonly deployment: string;
}

/**
 * The environment's sign-in: a Cognito user pool (self sign-up off, admin group, hosted domain,
 * app client for the load balancer) or the team's OIDC provider from config.
 */
export class SignIn extends Construct {
  public readonly auth: ListenerAuth;
  public readonly claims: SignInClaims;
  public readonly userPool?: cognito.UserPool;

  constructor(scope: Construct, id: string, props: SignInProps) {
    super(scope, id);
    const { settings } = props;
    if (settings.kind === 'oidc') {
      this.auth = { kind: 'oidc', settings };
      this.claims = {
        issuer: settings.issuer,
        clientId: settings.clientId,
        groupsClaim: settings.groupsClaim,
        adminGroup: ADMIN_GROUP,
      };
      return;
    }
    const userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `ragchat-${props.deployment}`,
      // Administrators add users (docs/operations.md); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: userPool.userPoolId,
      groupName: ADMIN_GROUP,
      description: 'May manage documents and export feedback',
    });
    const domain = userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: settings.domainPrefix },
    });
    const client = userPool.addClient('LoadBalancerClient', {
      // The load balancer keeps the secret and runs the authorization code flow.
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        // The ALB's fixed callback path (Elastic Load Balancing user guide, "Authenticate users").
        callbackUrls: [`${props.origin}/oauth2/idpresponse`],
        logoutUrls: [`${props.origin}/`],
      },
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason: 'MFA is optional so teams can onboard users; enforce it per pool when policy requires.',
    });
    this.userPool = userPool;
    this.auth = { kind: 'cognito', userPool, client, domain };
    this.claims = {
      issuer: `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`,
      clientId: client.userPoolClientId,
      groupsClaim: COGNITO_GROUPS_CLAIM,
      adminGroup: ADMIN_GROUP,
    };
  }
}
