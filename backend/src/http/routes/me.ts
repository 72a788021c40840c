import type { Router } from '@koa/router';
import type { SignInConfig } from '../../config';
import type { ApiResponse } from '../api-schema';
import type { AppState } from '../state';

export interface MeDeps {
  readonly signIn: SignInConfig;
}

/** GET /api/me: who the service thinks is calling, and whether sign-in is on (the page says so). */
export function registerMeRoutes(router: Router<AppState>, deps: MeDeps): void {
  router.get('/api/me', (ctx) => {
    const { identity } = ctx.state;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      signIn: deps.signIn.mode,
      subject: identity.subject,
      ...(identity.email === undefined ? {} : { email: identity.email }),
      groups: identity.groups,
      admin: identity.admin,
    } satisfies ApiResponse<'Me'>;
  });
}
