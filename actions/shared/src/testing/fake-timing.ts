import type { Timing } from '../timing';

/** A clock that only moves when the code under test sleeps, so waits and timeouts take no time. */
export function fakeTiming(
  start = Date.parse('2026-06-01T12:00:00Z'),
): Timing & { sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
