/** Exponential backoff with full jitter: retry n waits a random time in [0, min(cap, base * 2^(n-1))). */
export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Returns a number in [0, 1). */
  readonly random: () => number;
}

export const DEFAULT_BASE_DELAY_MS = 250;
export const DEFAULT_MAX_DELAY_MS = 4_000;

export function backoffCeilingMs(retryNumber: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retryNumber - 1));
}

export function backoffDelayMs(retryNumber: number, policy: BackoffPolicy): number {
  return Math.floor(policy.random() * backoffCeilingMs(retryNumber, policy));
}

/** What to tell a client that gave up after `attempts` calls: the wait the next retry would have had. */
export function retryAfterSeconds(attempts: number, policy: BackoffPolicy): number {
  return Math.max(1, Math.ceil(backoffCeilingMs(attempts, policy) / 1000));
}
