import { AlbJwtVerifier } from 'aws-jwt-verify';
import { AlbJwksCache } from 'aws-jwt-verify/alb-cache';
import { FetchError, JwtBaseError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';

/** The header the ALB adds after `authenticate-cognito` / `authenticate-oidc`: the user's claims, signed. */
export const ALB_TOKEN_HEADER = 'x-amzn-oidc-data';

export interface AlbTokenSettings {
  readonly albArn: string;
  /** `<keyEndpoint>/<kid>` answers the PEM public key. */
  readonly keyEndpoint: string;
  readonly issuer: string | undefined;
  readonly clientId: string | undefined;
  /** Replaces the HTTP fetch of `<keyEndpoint>/<kid>` (local sign-in holds its key in memory). */
  readonly fetchKey?: (uri: string) => Promise<ArrayBuffer>;
}

export type TokenCheck =
  | { readonly valid: true; readonly claims: Readonly<Record<string, unknown>> }
  /** `reason` is for the log only. */
  | { readonly valid: false; readonly reason: string }
  /** The key service could not be reached: not the caller's fault. */
  | { readonly valid: 'unknown'; readonly reason: string };

export type AlbTokenVerifier = (token: string) => Promise<TokenCheck>;

const KEY_FETCH_TIMEOUT_MS = 3000;

/**
 * awslabs' aws-jwt-verify ALB verifier: ES256 only (no `alg: none`, no HMAC), the public key
 * fetched by `kid`, `signer` equal to this load balancer, `exp`, and issuer/client when set.
 * Keys come through Node's fetch so a local endpoint may be plain http.
 */
export function createAlbTokenVerifier(settings: AlbTokenSettings): AlbTokenVerifier {
  const budget = keyFetchBudget();
  const fetchOne = settings.fetchKey ?? fetchKey;
  const fetcher: Fetcher = {
    fetch: (uri) =>
      budget.take()
        ? fetchOne(uri)
        : Promise.reject(new NonRetryableFetchError(uri, 'too many unknown key ids this minute')),
  };
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
      const claims = await verifier.verify(token);
      if (typeof claims.sub !== 'string' || claims.sub === '')
        return { valid: false, reason: 'no sub claim' };
      return { valid: true, claims };
    } catch (error) {
      if (error instanceof FetchError && !(error instanceof NonRetryableFetchError)) {
        return { valid: 'unknown', reason: error.message };
      }
      const reason = error instanceof Error ? error.message : String(error);
      return { valid: false, reason: error instanceof JwtBaseError ? reason : `unexpected: ${reason}` };
    }
  };
}

async function fetchKey(uri: string): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(uri, { signal: AbortSignal.timeout(KEY_FETCH_TIMEOUT_MS), redirect: 'error' });
  } catch (error) {
    throw new FetchError(uri, error instanceof Error ? error.message : String(error));
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new NonRetryableFetchError(uri, `status ${response.status}`);
  }
  return response.arrayBuffer();
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
