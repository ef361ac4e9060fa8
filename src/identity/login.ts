// /login and /logout. A successful login continues the authorization request it interrupted, if any.
import { Hono, type Context } from 'hono';
import type { Audit } from '../audit.js';
import { isActive, type UsersRepository } from '../storage/users.js';
import { LoginPage, type ConnectingApp, type SignInOption } from '../pages/login.js';
import { ErrorPage } from '../pages/error.js';
import { sendPage } from '../pages/respond.js';
import type { CsrfProtection } from './csrf.js';
import { readForm, refusedForm } from './forms.js';
import { verifyPassword } from './passwords.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionManager } from './sessions.js';

export interface LoginDeps {
  users: UsersRepository;
  sessions: SessionManager;
  csrf: CsrfProtection;
  throttle: LoginThrottle;
  audit: Audit;
  sourceIp: (c: Context) => string;
  /** Whether passwords are accepted (AUTH_MODE includes local). */
  local: boolean;
  /** Upstream providers offered as buttons. */
  providers: readonly SignInOption[];
  /** The app a sealed authorization request comes from, so that the page can say what signing in is for. */
  connecting?: ((sealed: string) => Promise<ConnectingApp | undefined>) | undefined;
}

/** Where to go after signing in: back into the authorization flow, or to the account page. Never elsewhere. */
export const afterLogin = (request: string | undefined) => (request ? `/consent?request=${encodeURIComponent(request)}` : '/account');

async function tooManyAttempts(c: Context, deps: LoginDeps, request: string | undefined, username: string, seconds: number) {
  c.header('Retry-After', String(seconds));
  const minutes = Math.ceil(seconds / 60);
  const error = `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  return sendPage(c, LoginPage({ ...(await pageOptions(deps, request)), csrf: deps.csrf.tokenFor(c), request, username, error }), { status: 429 });
}

/** What every rendering of the page shows: the ways to sign in, and the app the sign-in is for. */
const pageOptions = async (deps: LoginDeps, request: string | undefined) => ({
  local: deps.local,
  providers: deps.providers,
  app: request ? await deps.connecting?.(request) : undefined,
});

export function loginRoutes(deps: LoginDeps) {
  const app = new Hono();

  app.get('/login', async (c) => {
    const request = c.req.query('request');
    if (await deps.sessions.currentUser(c)) return c.redirect(afterLogin(request), 303);
    return sendPage(c, LoginPage({ ...(await pageOptions(deps, request)), csrf: deps.csrf.tokenFor(c), request }));
  });

  app.post('/login', async (c) => {
    if (!deps.local) return sendPage(c, ErrorPage({ title: 'Password sign-in is off', message: 'Use one of the sign-in buttons instead.' }), { status: 403 });
    const form = await readForm(c);
    if (!deps.csrf.verify(c, form.csrf)) return refusedForm(c);
    const request = form.request;
    const username = (form.username ?? '').trim();
    const password = form.password ?? '';

    const ip = deps.sourceIp(c);
    const wait = await deps.throttle.retryAfter(username, ip);
    if (wait > 0) return tooManyAttempts(c, deps, request, username, wait);

    const user = username ? await deps.users.findByUsername(username) : undefined;
    const passwordOk = await verifyPassword(user?.passwordHash, password);
    if (!passwordOk || !isActive(user)) {
      const lock = await deps.throttle.failed(username, ip);
      await deps.audit(c, {
        type: lock ? 'login.locked' : 'login.failed',
        userId: user?.id,
        detail: { username: username.slice(0, 64), ...(lock && { lockSeconds: lock }) },
      });
      const page = LoginPage({ ...(await pageOptions(deps, request)), csrf: deps.csrf.tokenFor(c), request, username, error: 'Wrong username or password.' });
      return sendPage(c, page, { status: 401 });
    }
    await deps.throttle.succeeded(username);
    await deps.sessions.start(c, user.id);
    await deps.audit(c, { type: 'login.succeeded', userId: user.id });
    return c.redirect(afterLogin(request), 303);
  });

  // Signing out changes state, so it takes a form post; a typed-in /logout lands where the button is.
  app.get('/logout', (c) => c.redirect('/account', 303));

  // "Not you?" on the consent page signs out with the form bound to its request, and the next person signs in to
  // that same request: on a shared computer, nobody approves an app as whoever signed in before.
  app.post('/logout', async (c) => {
    const form = await readForm(c);
    const request = form.request || undefined;
    if (!deps.csrf.verify(c, form.csrf, request ?? '')) return refusedForm(c);
    await deps.sessions.end(c);
    return c.redirect(request ? `/login?request=${encodeURIComponent(request)}` : '/login', 303);
  });

  return app;
}
