import { type BackoffPolicy, backoffDelayMs, retryAfterSeconds } from './backoff';
import type { Budget } from './budget';
import { budgetExhausted, type CallDescription, classifyFailure, toAppError } from './error-mapping';

export interface RetryRuntime {
  /** Total attempts, the first one included. */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly backoff: BackoffPolicy;
  /** Resolves after `ms`, rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * The error to throw for a failed call: the caller's own abort reason when the caller went away
 * (nobody is waiting for an AppError), otherwise the mapped AppError.
 */
export function explainFailure(
  error: unknown,
  call: CallDescription,
  budget: Budget,
  runtime: RetryRuntime,
  attempts: number,
): unknown {
  if (budget.callerAborted()) return budget.callerReason();
  const classified = classifyFailure(error);
  const failure = budget.expired() ? budgetExhausted(runtime.timeoutMs, classified.requestId) : classified;
  return toAppError(call, failure, attempts, retryAfterSeconds(attempts, runtime.backoff), error);
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures (throttling, 5xx, network, model
 * timeouts) with backoff while attempts and time budget last. A backoff that would overrun the
 * budget is not started: the client hears "retry later" now rather than a timeout later.
 */
export async function callWithRetries<T>(
  call: CallDescription,
  runtime: RetryRuntime,
  budget: Budget,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<{ readonly value: T; readonly attempts: number }> {
  for (let attempts = 1; ; attempts += 1) {
    try {
      return { value: await attempt(budget.signal), attempts };
    } catch (error) {
      if (budget.callerAborted() || budget.expired())
        throw explainFailure(error, call, budget, runtime, attempts);
      const failure = classifyFailure(error);
      const delayMs = backoffDelayMs(attempts, runtime.backoff);
      if (!failure.retryable || attempts >= runtime.maxAttempts || delayMs >= budget.remainingMs()) {
        throw toAppError(call, failure, attempts, retryAfterSeconds(attempts, runtime.backoff), error);
      }
      // An interrupted backoff is explained by the budget's state; the upstream error keeps its request id.
      await runtime.sleep(delayMs, budget.signal).catch(() => {
        throw explainFailure(error, call, budget, runtime, attempts);
      });
    }
  }
}
