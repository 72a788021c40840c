import type { Context } from 'koa';
import { AppError } from '../errors';

/** The abort reason when the client closes the connection before the response is complete. */
export class ClientDisconnectedError extends Error {
  constructor() {
    super('The client closed the connection');
    this.name = 'ClientDisconnectedError';
  }
}

export interface RequestSignal {
  readonly signal: AbortSignal;
  /** Stops the timer; call when the response is complete. */
  dispose(): void;
}

/**
 * One signal for everything a request starts: it fires with a 504 AppError when the time budget
 * runs out, or with ClientDisconnectedError when the client goes away first.
 */
export function requestSignal(ctx: Context, budgetMs: number): RequestSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new AppError(504, 'timeout', `The request did not finish within ${budgetMs} ms`, { expose: true }),
    );
  }, budgetMs);
  const onClose = () => {
    if (!ctx.res.writableEnded) controller.abort(new ClientDisconnectedError());
  };
  ctx.res.once('close', onClose);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      ctx.res.off('close', onClose);
    },
  };
}
