import { once } from 'node:events';
import { startBudget } from './budget';

test('remaining time follows the injected clock and never goes negative', () => {
  let clock = 1_000;
  const budget = startBudget(500, () => clock);

  clock += 200;
  expect(budget.remainingMs()).toBe(300);
  clock += 900;
  expect(budget.remainingMs()).toBe(0);
  expect(budget.expired()).toBe(false);
  budget.dispose();
});

test("the caller's abort aborts the budget with the caller's reason", () => {
  const caller = new AbortController();
  const budget = startBudget(60_000, () => 0, caller.signal);
  const reason = new Error('gone');

  caller.abort(reason);

  expect(budget.signal.aborted).toBe(true);
  expect(budget.signal.reason).toBe(reason);
  expect(budget.callerAborted()).toBe(true);
  expect(budget.callerReason()).toBe(reason);
  expect(budget.expired()).toBe(false);
  budget.dispose();
});

test('an already aborted caller signal aborts at once', () => {
  const budget = startBudget(60_000, () => 0, AbortSignal.abort('early'));

  expect(budget.signal.aborted).toBe(true);
  expect(budget.callerAborted()).toBe(true);
  budget.dispose();
});

test('the deadline aborts the signal and marks the budget expired', async () => {
  const budget = startBudget(5, () => 0);

  await once(budget.signal, 'abort');

  expect(budget.expired()).toBe(true);
  expect(budget.callerAborted()).toBe(false);
  expect((budget.signal.reason as DOMException).name).toBe('TimeoutError');
});

test('dispose stops the deadline and detaches from the caller', async () => {
  const caller = new AbortController();
  const budget = startBudget(1, () => 0, caller.signal);

  budget.dispose();
  caller.abort();
  await new Promise((resolve) => setTimeout(resolve, 10));

  expect(budget.signal.aborted).toBe(false);
  expect(budget.expired()).toBe(false);
});
