import type { UsageLimits } from '../../config';
import type { Database } from '../../db/database';
import { AppError } from '../../errors';
import type { AppContext } from '../state';
import { addGeneratedTokens, deleteCountersBefore, reserveQuery, type UsageDay, usageDay } from './counters';

/** Counts what one admitted query generated; never throws (the answer has already been sent). */
export interface UsageMeter {
  recordGeneratedTokens(tokens: number): Promise<void>;
}

export interface UsageLimiter {
  /**
   * Counts a query for the caller, or throws 429 `daily_limit_reached` with Retry-After. Gives up
   * with the signal's reason when it fires first (a database that stopped answering must not
   * hold the request past its time budget).
   */
  admit(ctx: AppContext, signal: AbortSignal): Promise<UsageMeter>;
}

export interface UsageLimiterDeps {
  /** Read per call: building the app must not touch the database. */
  readonly db: Pick<Database, 'knex'>;
  readonly limits: UsageLimits;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

const DAY_MS = 86_400_000;

/** Both limits off: nothing is counted, so a query costs no database write. */
const UNLIMITED: UsageLimiter = {
  admit: async () => ({ recordGeneratedTokens: async () => {} }),
};

/**
 * Daily per-caller limits on queries and generated tokens, counted in the database so that all
 * tasks share them. The caller is the signed-in user, or the client address when nobody signs in.
 */
export function createUsageLimiter(deps: UsageLimiterDeps): UsageLimiter {
  const { db, limits } = deps;
  if (limits.queriesPerDay === 0 && limits.generatedTokensPerDay === 0) return UNLIMITED;
  let lastCleanup: UsageDay | undefined;
  return {
    async admit(ctx, signal) {
      const subject = usageSubject(ctx);
      const nowMs = deps.now();
      const day = usageDay(nowMs);
      const reservation = await untilAborted(reserveQuery(db.knex, subject, day, limits), signal);
      if (!reservation.granted) {
        const retryAfterSeconds = Math.max(1, Math.ceil((DAY_MS - (nowMs % DAY_MS)) / 1000));
        throw new AppError(
          429,
          'daily_limit_reached',
          limitMessage(reservation.exhausted, limits, retryAfterSeconds),
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
      const log = ctx.state.log;
      return {
        recordGeneratedTokens: (tokens) =>
          addGeneratedTokens(db.knex, subject, day, tokens).catch((error: unknown) =>
            log.error('could not record generated tokens', { err: error, tokens }),
          ),
      };
    },
  };
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
