/**
 * The time one provider call may take, retries and backoff included, and the one signal that ends
 * it: the caller's abort (client disconnect) or the deadline.
 */
export interface Budget {
  readonly signal: AbortSignal;
  /** True once the caller aborted; the caller's reason is then what to throw. */
  callerAborted(): boolean;
  callerReason(): unknown;
  /** True once the deadline passed. */
  expired(): boolean;
  remainingMs(): number;
  /** Stops the timer; call when the work is over. */
  dispose(): void;
}

export function startBudget(timeoutMs: number, now: () => number, callerSignal?: AbortSignal): Budget {
  const controller = new AbortController();
  const deadline = now() + timeoutMs;
  let timedOut = false;

  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`Time budget of ${timeoutMs} ms exhausted`, 'TimeoutError'));
  }, timeoutMs);
  // A pending deadline must not keep a shutting-down process alive.
  timer.unref();

  return {
    signal: controller.signal,
    callerAborted: () => callerSignal?.aborted === true,
    callerReason: () => callerSignal?.reason,
    expired: () => timedOut,
    remainingMs: () => Math.max(0, deadline - now()),
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
