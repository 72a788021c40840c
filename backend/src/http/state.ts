import type { RouterContext } from '@koa/router';
import type { Logger } from '../observability/logger';
import type { Span } from '../observability/tracing';
import type { Identity } from './identity';

/** What the request-context middleware puts on `ctx.state` for everything after it. */
export interface AppState {
  readonly requestId: string;
  /** The service logger bound to this request's id. */
  readonly log: Logger;
  /** Timed steps of this request, sent as trace subsegments when it ends. */
  readonly spans: Span[];
  /** Who is asking; set by the identity middleware before any route. */
  readonly identity: Identity;
}

export type AppContext = RouterContext<AppState>;
