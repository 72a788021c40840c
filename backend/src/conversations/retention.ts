import type { Database } from '../db/database';

const DAY_MS = 86_400_000;
const SWEEP_BATCH_ROWS = 500;
/** One sweep removes at most this many batches; the next sweep continues where it stopped. */
const MAX_BATCHES_PER_SWEEP = 20;

/**
 * Deletes conversations (their messages by cascade) untouched for `retentionDays`, in small
 * batches. `skip locked` lets several tasks sweep at the same time: each takes rows no other
 * sweep holds, none waits, and none deletes a conversation an answer is being added to.
 * Returns how many conversations were removed.
 */
export async function sweepExpiredConversations(
  db: Database,
  retentionDays: number,
  now: Date,
): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  let removed = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP; batch += 1) {
    const deleted = await db.knex.raw<{ rowCount: number }>(
      `delete from conversations where id in (
         select id from conversations where updated_at < ?
         order by updated_at limit ? for update skip locked)`,
      [cutoff, SWEEP_BATCH_ROWS],
    );
    removed += deleted.rowCount;
    if (deleted.rowCount < SWEEP_BATCH_ROWS) break;
  }
  return removed;
}

export interface RetentionSweeper {
  stop(): void;
}

export interface SweeperOptions {
  readonly intervalMs: number;
  /** One sweep; resolves with how many conversations it removed. */
  readonly sweep: () => Promise<number>;
  readonly onSwept: (removed: number) => void;
  readonly onError: (error: unknown) => void;
  /** In [0, 1); spreads the first sweep of tasks started together. */
  readonly random?: () => number;
}

/**
 * Sweeps once soon after start (within a minute), then every `intervalMs` after the previous sweep
 * ended, so sweeps never overlap within a task. The timer never keeps the process up.
 */
export function startRetentionSweeper(options: SweeperOptions): RetentionSweeper {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      options
        .sweep()
        .then(options.onSwept, options.onError)
        .finally(() => {
          if (!stopped) schedule(options.intervalMs);
        });
    }, delayMs);
    timer.unref();
  };
  schedule(Math.floor((options.random ?? Math.random)() * Math.min(options.intervalMs, 60_000)));
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
