import type { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { Database } from '../../db/database';
import { AppError } from '../../errors';
import type { AppState } from '../state';

export interface HealthDeps {
  readonly db: Pick<Database, 'checkReadiness'>;
  /** True once shutdown has begun, so the load balancer stops sending new requests. */
  readonly isDraining: () => boolean;
  /** Bounds the readiness check, so a stuck database answers 504 instead of hanging. */
  readonly bounded: Middleware<AppState>;
}

const RETRY_READY_SECONDS = 5;

export function registerHealthRoutes(router: Router<AppState>, deps: HealthDeps): void {
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/ready', deps.bounded, async (ctx) => {
    if (deps.isDraining()) {
      throw new AppError(503, 'shutting_down', 'The service is shutting down', {
        retryAfterSeconds: RETRY_READY_SECONDS,
      });
    }
    const readiness = await deps.db.checkReadiness();
    if (!readiness.ready) {
      throw new AppError(503, 'not_ready', `The database is not ready: ${readiness.reason}`, {
        retryAfterSeconds: RETRY_READY_SECONDS,
      });
    }
    ctx.body = { status: 'ready' };
  });
}
