import { AlbJwtVerifier } from 'aws-jwt-verify';
import { AlbJwksCache } from 'aws-jwt-verify/alb-cache';
import { FetchError, JwtBaseError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { ConfigError } from './config-error';

/** The header the ALB adds after `authenticate-cognito` / `authenticate-oidc`: the user's claims, signed. */
export const ALB_TOKEN_HEADER = 'x-amzn-oidc-data';

export interface AlbTokenSettings {
  readonly albArn: string;
  /** `<keyEndpoint>/<kid>` answers the PEM public key (the regional ELB key service, or a local one). */
  readonly keyEndpoint: string;
  readonly issuer: string | undefined;
  readonly clientId: string | undefined;
  /** Longest wait for a public key; keys are cached, so this is paid once per key id. */
  readonly keyFetchTimeoutMs?: number;
  /** Replaces the HTTP fetch of `<keyEndpoint>/<kid>` (the frontend's local sign-in holds its key in memory). */
  readonly fetchKey?: (uri: string) => Promise<ArrayBuffer>;
}

/** What aws-jwt-verify accepts as a load balancer ARN; the region picks the key endpoint. */
const ALB_ARN =
  /^arn:aws(?:-cn|-us-gov)?:elasticloadbalancing:([a-z]{2}-(?:gov-)?[a-z]+-\d):\d{12}:loadbalancer\/app\/.+$/;

/**
 * The verifier's settings as both services read them with SIGNIN_MODE=alb: SIGNIN_ALB_ARN
 * (required), SIGNIN_KEY_ENDPOINT (default: the ALB region's ELB key service), SIGNIN_ISSUER and
 * SIGNIN_CLIENT_ID (unset accepts any). Unset and blank are the same.
 */
export function parseAlbTokenSettings(env: Readonly<Record<string, string | undefined>>): AlbTokenSettings {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const albArn = read('SIGNIN_ALB_ARN');
  if (albArn === undefined) throw new ConfigError('SIGNIN_ALB_ARN', 'is required when SIGNIN_MODE=alb');
  const region = ALB_ARN.exec(albArn)?.[1];
  if (region === undefined) {
    throw new ConfigError(
      'SIGNIN_ALB_ARN',
      `must be an application load balancer ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/...), got "${albArn}"`,
    );
  }
  const keyEndpoint = read('SIGNIN_KEY_ENDPOINT') ?? `https://public-keys.auth.elb.${region}.amazonaws.com`;
  if (!/^https?:\/\/[^/]/.test(keyEndpoint)) {
    throw new ConfigError('SIGNIN_KEY_ENDPOINT', `must be an http(s) URL, got "${keyEndpoint}"`);
  }
  return {
    albArn,
    keyEndpoint: keyEndpoint.replace(/\/+$/, ''),
    issuer: read('SIGNIN_ISSUER'),
    clientId: read('SIGNIN_CLIENT_ID'),
  };
}

export type VerifiedClaims = Readonly<Record<string, unknown>> & { readonly sub: string };

export type TokenCheck =
  | { readonly valid: true; readonly claims: VerifiedClaims }
  /** `reason` is for the log only: it may describe what an attacker sent. */
  | { readonly valid: false; readonly reason: string }
  /** The key service could not be reached: not the caller's fault, worth a retry. */
  | { readonly valid: 'unknown'; readonly reason: string };

export type AlbTokenVerifier = (token: string) => Promise<TokenCheck>;

const DEFAULT_KEY_FETCH_TIMEOUT_MS = 3000;

/**
 * Verifies ALB-signed tokens with awslabs' aws-jwt-verify: ES256 only (so `alg: none` and HMAC
 * tricks fail), the public key fetched by the header's `kid`, the header's `signer` equal to this
 * load balancer, `exp` in the future, and issuer/client when configured. The key is fetched with
 * Node's fetch so a local key endpoint may be plain http (the library's own fetcher is https only).
 */
export function createAlbTokenVerifier(settings: AlbTokenSettings): AlbTokenVerifier {
  const fetcher = budgetedFetcher(
    settings.fetchKey ?? httpKeyFetch(settings.keyFetchTimeoutMs ?? DEFAULT_KEY_FETCH_TIMEOUT_MS),
  );
  const verifier = AlbJwtVerifier.create(
    {
      albArn: settings.albArn,
      jwksUri: settings.keyEndpoint,
      issuer: settings.issuer ?? null,
      clientId: settings.clientId ?? null,
    },
    { jwksCache: new AlbJwksCache({ fetcher }) },
  );
  return async (token) => {
    try {
      const payload = await verifier.verify(token);
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        return { valid: false, reason: 'the token has no sub claim' };
      }
      return { valid: true, claims: payload as VerifiedClaims };
    } catch (error) {
      if (error instanceof FetchError && !(error instanceof NonRetryableFetchError)) {
        return { valid: 'unknown', reason: `public key unavailable: ${error.message}` };
      }
      if (error instanceof JwtBaseError) return { valid: false, reason: error.message };
      return { valid: false, reason: error instanceof Error ? error.message : String(error) };
    }
  };
}

/** Key fetches count against the per-minute budget before they are made. */
function budgetedFetcher(fetchKey: (uri: string) => Promise<ArrayBuffer>): Fetcher {
  const budget = keyFetchBudget();
  return {
    fetch: (uri) =>
      budget.take()
        ? fetchKey(uri)
        : Promise.reject(new NonRetryableFetchError(uri, 'too many unknown key ids this minute')),
  };
}

/** Non-200 answers are final for the library (an unknown kid), network failures are not. */
function httpKeyFetch(timeoutMs: number): (uri: string) => Promise<ArrayBuffer> {
  return async (uri) => {
    let response: Response;
    try {
      response = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (error) {
      throw new FetchError(uri, error instanceof Error ? error.message : String(error));
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new NonRetryableFetchError(uri, `status ${response.status}`);
    }
    return response.arrayBuffer();
  };
}

/**
 * Keys are fetched before the signature can be checked, so a forged token with a made-up `kid`
 * costs an outbound request. Real key ids are few and cached; past this many fetches a minute a
 * new kid is treated as unknown (401) instead of fetched.
 */
export const MAX_KEY_FETCHES_PER_MINUTE = 20;

function keyFetchBudget(now: () => number = Date.now) {
  let windowStart = now();
  let used = 0;
  return {
    take(): boolean {
      if (now() - windowStart >= 60_000) {
        windowStart = now();
        used = 0;
      }
      used += 1;
      return used <= MAX_KEY_FETCHES_PER_MINUTE;
    },
  };
}
