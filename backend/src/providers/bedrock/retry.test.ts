import { ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { AppError } from '../../errors';
import { startBudget } from './budget';
import type { CallDescription } from './error-mapping';
import { callWithRetries, type RetryRuntime } from './retry';

const call: CallDescription = { purpose: 'embedding', operation: 'InvokeModel', modelId: 'titan' };
const throttled = () => new ThrottlingException({ message: 'slow', $metadata: { httpStatusCode: 429 } });

function runtime(sleeps: number[], overrides: Partial<RetryRuntime> = {}): RetryRuntime {
  return {
    maxAttempts: 3,
    timeoutMs: 60_000,
    backoff: { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.5 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  };
}

/** An attempt function that fails with the given errors, then returns 'ok'. */
function failing(...errors: unknown[]) {
  const calls: AbortSignal[] = [];
  const attempt = async (signal: AbortSignal) => {
    calls.push(signal);
    const error = errors.shift();
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { attempt, calls };
}

test('a first-time success neither retries nor sleeps', async () => {
  const sleeps: number[] = [];
  const budget = startBudget(60_000, () => 0);
  const { attempt, calls } = failing();

  await expect(callWithRetries(call, runtime(sleeps), budget, attempt)).resolves.toEqual({
    value: 'ok',
    attempts: 1,
  });
  expect(calls).toHaveLength(1);
  expect(sleeps).toEqual([]);
  budget.dispose();
});

test('retries transient failures with growing backoff and reports the attempts used', async () => {
  const sleeps: number[] = [];
  const budget = startBudget(60_000, () => 0);
  const { attempt, calls } = failing(throttled(), throttled());

  await expect(callWithRetries(call, runtime(sleeps), budget, attempt)).resolves.toEqual({
    value: 'ok',
    attempts: 3,
  });
  expect(calls).toEqual([budget.signal, budget.signal, budget.signal]);
  expect(sleeps).toEqual([50, 100]);
  budget.dispose();
});

test('a non-retryable failure is mapped at once', async () => {
  const sleeps: number[] = [];
  const budget = startBudget(60_000, () => 0);
  const { attempt, calls } = failing(new ValidationException({ message: 'bad', $metadata: {} }));

  const error = await callWithRetries(call, runtime(sleeps), budget, attempt).catch(
    (caught: unknown) => caught,
  );

  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 502, code: 'upstream_error' });
  expect(calls).toHaveLength(1);
  expect(sleeps).toEqual([]);
  budget.dispose();
});

test('maxAttempts 1 means no retry at all', async () => {
  const sleeps: number[] = [];
  const budget = startBudget(60_000, () => 0);
  const { attempt, calls } = failing(throttled());

  await expect(
    callWithRetries(call, runtime(sleeps, { maxAttempts: 1 }), budget, attempt),
  ).rejects.toMatchObject({
    status: 503,
    code: 'throttled',
    retryAfterSeconds: 1,
  });
  expect(calls).toHaveLength(1);
  expect(sleeps).toEqual([]);
  budget.dispose();
});

test("an abort during backoff ends with the caller's reason and no further attempt", async () => {
  const caller = new AbortController();
  const reason = new Error('client left');
  const budget = startBudget(60_000, () => 0, caller.signal);
  const { attempt, calls } = failing(throttled(), throttled());
  const sleeps: number[] = [];
  const abortingSleep: RetryRuntime['sleep'] = async (ms, signal) => {
    sleeps.push(ms);
    caller.abort(reason);
    signal.throwIfAborted();
  };

  const error = await callWithRetries(call, runtime(sleeps, { sleep: abortingSleep }), budget, attempt).catch(
    (caught: unknown) => caught,
  );

  expect(error).toBe(reason);
  expect(calls).toHaveLength(1);
  budget.dispose();
});
