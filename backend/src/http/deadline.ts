import type { Middleware } from 'koa';
import { AppError } from '../errors';
import type { AppState } from './state';

/**
 * Bounds a route whose work cannot be cancelled (a database call): past `budgetMs` the client gets
 * a 504 and the late result is dropped (Koa ignores writes after the response is sent). Routes that
 * can cancel their work (queries, uploads) use requestSignal instead.
 */
export function deadline(budgetMs: number): Middleware<AppState> {
  return async (_ctx, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AppError(504, 'timeout', `The request did not finish within ${budgetMs} ms`, {
              expose: true,
            }),
          ),
        budgetMs,
      );
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
