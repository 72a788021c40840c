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
  readonly retentionDays: number;
  readonly intervalMs: number;
  readonly now: () => Date;
  readonly onSwept: (removed: number) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * Sweeps once soon after start, then every `intervalMs`; the first run waits a random part of the
 * interval so tasks started together do not sweep in lockstep. The timer never keeps the process up.
 */
export function startRetentionSweeper(db: Database, options: SweeperOptions): RetentionSweeper {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      sweepExpiredConversations(db, options.retentionDays, options.now())
        .then((removed) => options.onSwept(removed), options.onError)
        .finally(() => {
          if (!stopped) schedule(options.intervalMs);
        });
    }, delayMs);
    timer.unref();
  };
  schedule(Math.floor(Math.random() * Math.min(options.intervalMs, 60_000)));
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
