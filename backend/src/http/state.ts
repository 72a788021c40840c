import type { RouterContext } from '@koa/router';
import type { Logger } from '../service-kit/logger';
import type { Identity } from './identity';

/** What the request-context middleware puts on `ctx.state` for everything after it. */
export interface AppState {
  readonly requestId: string;
  /** The service logger bound to this request's id. */
  readonly log: Logger;
  /** Who is calling; the identity middleware sets it before any route (anonymous until then). */
  readonly identity: Identity;
}

export type AppContext = RouterContext<AppState>;
