import { startRetentionSweeper } from './retention';

describe('startRetentionSweeper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sweeps within the first minute, then an interval after each sweep ends, until stopped', async () => {
    const swept: number[] = [];
    let calls = 0;
    const sweeper = startRetentionSweeper({
      intervalMs: 3_600_000,
      sweep: async () => {
        calls += 1;
        return calls;
      },
      onSwept: (removed) => swept.push(removed),
      onError: () => {},
      random: () => 0.5,
    });
    await jest.advanceTimersByTimeAsync(29_999);
    expect(calls).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(swept).toEqual([1]);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(swept).toEqual([1, 2]);
    sweeper.stop();
    await jest.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(calls).toBe(2);
  });

  it('reports a failed sweep and keeps sweeping', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const sweeper = startRetentionSweeper({
      intervalMs: 1000,
      sweep: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database restarting');
        return 0;
      },
      onSwept: () => {},
      onError: (error) => errors.push(error),
      random: () => 0,
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
    sweeper.stop();
  });
});
