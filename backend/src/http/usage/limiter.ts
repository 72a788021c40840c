import type { UsageLimits } from '../../config';
import type { Database } from '../../db/database';
import { AppError } from '../../errors';
import type { Logger } from '../../service-kit/logger';
import type { AppContext } from '../state';
import {
  addGeneratedTokens,
  deleteCountersBefore,
  type Grant,
  reserveQuestions,
  type TokenCount,
  type UsageDay,
  usageDay,
} from './counters';

/** Counts what one admitted query generated; never throws (the answer has already been sent). */
export interface UsageMeter {
  recordGeneratedTokens(tokens: number): void;
}

export interface UsageLimiter {
  /**
   * Counts a query for the caller, or throws 429 `daily_limit_reached` with Retry-After. Gives up
   * with the signal's reason when it fires first (a database that stopped answering must not
   * hold the request past its time budget).
   */
  admit(ctx: AppContext, signal: AbortSignal): Promise<UsageMeter>;
  /** Writes the generated tokens not written yet and stops writing them (shutdown). */
  close(): Promise<void>;
}

export interface UsageLimiterDeps {
  /** Read per call: building the app must not touch the database. */
  readonly db: Pick<Database, 'knex'>;
  readonly limits: UsageLimits;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Where failed writes of generated tokens are reported (they are retried). */
  readonly log: Logger;
}

const DAY_MS = 86_400_000;

/**
 * How long generated tokens may wait in a task before they are written: the caller's next
 * question in the same task writes them at once (with its own count), so this bounds only what
 * other tasks see late, and what one write carries for all callers of the task.
 */
export const TOKEN_FLUSH_INTERVAL_MS = 1000;

/** Both limits off: nothing is counted, so a query costs no database write. */
const UNLIMITED: UsageLimiter = {
  admit: async () => ({ recordGeneratedTokens: () => {} }),
  close: async () => {},
};

/**
 * Daily per-caller limits on queries and generated tokens, counted in the database so that all
 * tasks share them. The caller is the signed-in user, or the client address when nobody signs in.
 * One statement counts every question that arrived while the previous one ran (none waits for a
 * timer: an idle task sends each question's at once), with the tokens of the callers' earlier
 * answers in this task; tokens of callers who ask nothing more are written by a batched flush.
 */
export function createUsageLimiter(deps: UsageLimiterDeps): UsageLimiter {
  const { db, limits } = deps;
  if (limits.queriesPerDay === 0 && limits.generatedTokensPerDay === 0) return UNLIMITED;
  let lastCleanup: UsageDay | undefined;
  const unwritten = new UnwrittenTokens(db, deps.log);
  const questions = new QuestionBatches(db, limits);
  return {
    async admit(ctx, signal) {
      const subject = usageSubject(ctx);
      const nowMs = deps.now();
      const day = usageDay(nowMs);
      const earlierTokens = unwritten.take(subject, day);
      const reserving = questions.count(subject, day, earlierTokens).catch((error: unknown) => {
        // Not counted: they wait for the next write. (A request that gave up on a statement that
        // then succeeded must not put them back, hence here and not around untilAborted.)
        unwritten.add(subject, day, earlierTokens);
        throw error;
      });
      const grant = await untilAborted(reserving, signal);
      if (grant.exhausted !== undefined) {
        const retryAfterSeconds = Math.max(1, Math.ceil((DAY_MS - (nowMs % DAY_MS)) / 1000));
        throw new AppError(
          429,
          'daily_limit_reached',
          limitMessage(grant.exhausted, limits, retryAfterSeconds),
          {
            retryAfterSeconds,
          },
        );
      }
      if (lastCleanup !== day) {
        lastCleanup = day;
        deleteCountersBefore(db.knex, day).catch((error: unknown) =>
          ctx.state.log.warn('could not delete old usage counters', { err: error }),
        );
      }
      return { recordGeneratedTokens: (tokens) => unwritten.add(subject, day, tokens) };
    },
    close: () => unwritten.close(),
  };
}

/** One question's place in a batch: refused (`exhausted`) or counted. */
type QuestionOutcome = Pick<Grant, 'exhausted'>;

interface WaitingQuestion {
  readonly subject: string;
  readonly day: UsageDay;
  readonly unwrittenTokens: number;
  readonly settle: { resolve(outcome: QuestionOutcome): void; reject(error: unknown): void };
}

/**
 * Questions waiting to be counted, sent as one statement whenever none is running (group commit):
 * a subject's questions in a batch are granted in arrival order, as many as its limits allow.
 */
class QuestionBatches {
  private waiting: WaitingQuestion[] = [];
  private running = false;

  constructor(
    private readonly db: Pick<Database, 'knex'>,
    private readonly limits: UsageLimits,
  ) {}

  count(subject: string, day: UsageDay, unwrittenTokens: number): Promise<QuestionOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ subject, day, unwrittenTokens, settle: { resolve, reject } });
      this.send();
    });
  }

  private send(): void {
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    const batch = this.waiting;
    this.waiting = [];
    void this.reserve(batch).finally(() => {
      this.running = false;
      this.send();
    });
  }

  private async reserve(batch: readonly WaitingQuestion[]): Promise<void> {
    const bySubject = new Map<string, WaitingQuestion[]>();
    for (const question of batch) {
      const key = `${question.day} ${question.subject}`;
      const questions = bySubject.get(key);
      if (questions === undefined) bySubject.set(key, [question]);
      else questions.push(question);
    }
    const groups = [...bySubject.values()];
    try {
      const grants = await reserveQuestions(
        this.db.knex,
        groups.map((questions) => ({
          subject: questions[0]!.subject,
          day: questions[0]!.day,
          questions: questions.length,
          unwrittenTokens: questions.reduce((sum, question) => sum + question.unwrittenTokens, 0),
        })),
        this.limits,
      );
      for (const [index, questions] of groups.entries()) {
        const { granted, exhausted } = grants[index]!;
        for (const [position, question] of questions.entries()) {
          question.settle.resolve(position < granted ? {} : { exhausted: exhausted ?? 'queries' });
        }
      }
    } catch (error) {
      for (const question of batch) question.settle.reject(error);
    }
  }
}

/** Generated tokens per subject and day that no statement has written yet, and their flush. */
class UnwrittenTokens {
  private readonly counts = new Map<string, TokenCount>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Pick<Database, 'knex'>,
    private readonly log: Logger,
  ) {}

  add(subject: string, day: UsageDay, tokens: number): void {
    if (!(tokens > 0)) return;
    const key = `${day} ${subject}`;
    const count = this.counts.get(key);
    this.counts.set(key, { subject, day, tokens: (count?.tokens ?? 0) + tokens });
    if (this.timer === undefined && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), TOKEN_FLUSH_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Removes and returns the subject's unwritten tokens of that day (0 when none). */
  take(subject: string, day: UsageDay): number {
    const key = `${day} ${subject}`;
    const tokens = this.counts.get(key)?.tokens ?? 0;
    this.counts.delete(key);
    return tokens;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(async () => {
      const counts = [...this.counts.values()];
      this.counts.clear();
      if (counts.length === 0) return;
      try {
        await addGeneratedTokens(this.db.knex, counts);
      } catch (error) {
        this.log.error('could not record generated tokens', { err: error, subjects: counts.length });
        for (const count of counts) this.add(count.subject, count.day, count.tokens);
      }
    });
    return this.writing;
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Signed-in callers are counted by user; without sign-in, by the client's address. */
function usageSubject(ctx: AppContext): string {
  const { subject } = ctx.state.identity;
  return subject === 'local' || subject === 'anonymous' ? `ip:${ctx.ip}` : `user:${subject}`;
}

function limitMessage(
  exhausted: 'queries' | 'generated_tokens',
  limits: UsageLimits,
  retryAfterSeconds: number,
) {
  const reached =
    exhausted === 'queries'
      ? `You have asked ${limits.queriesPerDay} questions today, the daily limit.`
      : `Today's answers have reached the daily limit of ${limits.generatedTokensPerDay} generated tokens.`;
  return `${reached} It resets at midnight UTC, in ${duration(retryAfterSeconds)}.`;
}

function duration(seconds: number): string {
  const totalMinutes = Math.max(1, Math.ceil(seconds / 60));
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
