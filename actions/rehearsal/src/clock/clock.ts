import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Environment variable naming the directory that holds the shared virtual clock. */
export const CLOCK_DIR_VARIABLE = 'REHEARSAL_CLOCK_DIR';

/**
 * Timers at least this long are simulated (they fire at once and move the clock to their deadline);
 * shorter ones keep real time, so the SDK's socket-warning and HTTP timers do not move the clock.
 */
export const VIRTUAL_TIMER_MIN_MS = 4_000;

/** Longer timers (keep-alive sentinels, "never" timeouts) keep real time: no job waits that long. */
export const VIRTUAL_TIMER_MAX_MS = 6 * 3600_000;

/** Virtual time starts here, so logs and dates in a rehearsal do not depend on when it ran. */
export const VIRTUAL_EPOCH = Date.parse('2026-06-01T08:00:00Z');

const realNow = Date.now.bind(Date);

/**
 * The simulated clock shared by the model, the runner and every child process: virtual time is real
 * time plus an offset that only grows. Each process writes its own offset file (so concurrent
 * writers never lose an advance) and the clock is the largest of them.
 */
export class VirtualClock {
  private readonly file: string;
  private cached = { at: -1, offset: 0 };

  constructor(
    readonly dir: string,
    writer = String(process.pid),
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, writer);
  }

  /** Starts a fresh clock at VIRTUAL_EPOCH. */
  static start(dir: string): VirtualClock {
    const clock = new VirtualClock(dir, 'origin');
    clock.write(VIRTUAL_EPOCH - realNow());
    return clock;
  }

  private offset(): number {
    const real = realNow();
    if (real - this.cached.at < 2) return this.cached.offset;
    let offset = Number.NEGATIVE_INFINITY;
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith('.tmp')) continue;
      let text: string;
      try {
        text = readFileSync(join(this.dir, name), 'utf8');
      } catch {
        continue;
      }
      const value = text === '' ? Number.NaN : Number(text);
      if (Number.isFinite(value) && value > offset) offset = value;
    }
    if (!Number.isFinite(offset)) throw new Error(`virtual clock ${this.dir} was never started`);
    this.cached = { at: real, offset };
    return offset;
  }

  now(): number {
    return realNow() + this.offset();
  }

  /** Moves the clock forward to `time` (never backwards). */
  advanceTo(time: number): void {
    const offset = time - realNow();
    if (offset <= this.offset()) return;
    this.write(offset);
    this.cached = { at: realNow(), offset };
  }

  /** Replaces this writer's offset atomically, so a concurrent reader never sees a partial number. */
  private write(offset: number): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, String(offset));
    renameSync(temporary, this.file);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.now() + ms);
  }
}
