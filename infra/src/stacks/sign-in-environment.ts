import type { LimitSettings } from '../config/environment-config';
import type { SignInClaims } from '../constructs/sign-in/sign-in';

/** Header whose secret value lets automation past the test listener's sign-in (docs/operations.md). */
export const AUTOMATION_HEADER = 'x-ragchat-automation';

/** One year, as HSTS preload lists ask. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** Where the services' sign-in settings come from (backend/README.md, frontend/README.md). */
export interface SignInEnvironmentSources {
  readonly claims: SignInClaims;
  /** The load balancer whose signature the services accept (SIGNIN_ALB_ARN). */
  readonly albArn: string;
  /** Where the signing keys are fetched by key id (the VPC's key proxy). */
  readonly keyEndpoint: string;
}

function signInEnvironment(sources: SignInEnvironmentSources): Record<string, string> {
  return {
    SIGNIN_MODE: 'alb',
    SIGNIN_ALB_ARN: sources.albArn,
    SIGNIN_ISSUER: sources.claims.issuer,
    SIGNIN_CLIENT_ID: sources.claims.clientId,
    SIGNIN_KEY_ENDPOINT: sources.keyEndpoint,
    // Only the load balancer (and, for the backend, the frontend) reach the tasks.
    TRUST_PROXY: 'true',
  };
}

/** The backend's sign-in, usage limit and guardrail variables. */
export function backendSignInEnvironment(
  sources: SignInEnvironmentSources,
  limits: LimitSettings,
  guardrail: { readonly id: string; readonly version: string },
): Record<string, string> {
  return {
    ...signInEnvironment(sources),
    SIGNIN_GROUPS_CLAIM: sources.claims.groupsClaim,
    SIGNIN_ADMIN_GROUP: sources.claims.adminGroup,
    QUERIES_PER_DAY: String(limits.queriesPerDay),
    GENERATED_TOKENS_PER_DAY: String(limits.generatedTokensPerDay),
    GUARDRAIL_ID: guardrail.id,
    GUARDRAIL_VERSION: guardrail.version,
  };
}

/** The frontend's sign-in and HSTS variables. */
export function frontendSignInEnvironment(sources: SignInEnvironmentSources): Record<string, string> {
  return { ...signInEnvironment(sources), HSTS_MAX_AGE: String(HSTS_MAX_AGE_SECONDS) };
}
