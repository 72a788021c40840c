/** Who the backend says is asking (GET /api/me), and whether anyone signs in at all. */
interface Caller {
  readonly signIn: 'off' | 'alb';
  readonly email?: string;
  readonly admin: boolean;
}

/**
 * One line under the header: local mode says plainly that nobody signs in; with sign-in on it
 * names the signed-in user. Says nothing when the backend cannot be asked (the stats line does).
 */
export async function showSignInNotice(apiBase: string, before: HTMLElement): Promise<void> {
  const caller = await fetchCaller(apiBase);
  if (caller === undefined) return;
  const notice = document.createElement('p');
  notice.id = 'sign-in-notice';
  notice.className = 'hint sign-in-notice';
  notice.setAttribute('role', 'note');
  notice.textContent =
    caller.signIn === 'off'
      ? 'No sign-in: this is local mode, so anyone who can open this page can use it.'
      : `Signed in as ${caller.email ?? 'an unnamed user'}${caller.admin ? ' (may manage documents)' : ''}.`;
  before.before(notice);
}

async function fetchCaller(apiBase: string): Promise<Caller | undefined> {
  try {
    const response = await fetch(`${apiBase}/api/me`, { headers: { Accept: 'application/json' } });
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) return undefined;
    const signIn = Reflect.get(body, 'signIn');
    const email = Reflect.get(body, 'email');
    if (signIn !== 'off' && signIn !== 'alb') return undefined;
    return {
      signIn,
      ...(typeof email === 'string' ? { email } : {}),
      admin: Reflect.get(body, 'admin') === true,
    };
  } catch {
    return undefined;
  }
}
