import { type BackoffPolicy, backoffCeilingMs, backoffDelayMs, retryAfterSeconds } from './backoff';

const policy = (random: () => number): BackoffPolicy => ({ baseDelayMs: 100, maxDelayMs: 1_000, random });

test('the ceiling doubles per retry and stops at the cap', () => {
  const ceilings = [1, 2, 3, 4, 5, 6].map((retry) => backoffCeilingMs(retry, policy(Math.random)));

  expect(ceilings).toEqual([100, 200, 400, 800, 1_000, 1_000]);
});

test('full jitter draws anywhere from zero up to (not including) the ceiling', () => {
  expect(
    backoffDelayMs(
      3,
      policy(() => 0),
    ),
  ).toBe(0);
  expect(
    backoffDelayMs(
      3,
      policy(() => 0.5),
    ),
  ).toBe(200);
  expect(
    backoffDelayMs(
      3,
      policy(() => 0.999_999),
    ),
  ).toBe(399);
});

test('Retry-After is the next ceiling in whole seconds, never zero', () => {
  expect(retryAfterSeconds(1, policy(Math.random))).toBe(1);
  expect(retryAfterSeconds(5, { baseDelayMs: 250, maxDelayMs: 4_000, random: Math.random })).toBe(4);
});
