// /login and /logout. A successful login continues the authorization request it interrupted, if any.
import { Hono } from 'hono';
import type { UsersRepository } from '../storage/users.js';
import { LoginPage } from '../pages/login.js';
import { sendPage } from '../pages/respond.js';
import type { CsrfProtection } from './csrf.js';
import { readForm, refusedForm } from './forms.js';
import { verifyPassword } from './passwords.js';
import type { SessionManager } from './sessions.js';

export interface LoginDeps {
  users: UsersRepository;
  sessions: SessionManager;
  csrf: CsrfProtection;
}

/** Where to go after signing in: back into the authorization flow, or to the account page. Never elsewhere. */
export const afterLogin = (request: string | undefined) => (request ? `/consent?request=${encodeURIComponent(request)}` : '/account');

export function loginRoutes(deps: LoginDeps) {
  const app = new Hono();

  app.get('/login', async (c) => {
    const request = c.req.query('request');
    if (await deps.sessions.currentUser(c)) return c.redirect(afterLogin(request), 303);
    return sendPage(c, LoginPage({ csrf: deps.csrf.tokenFor(c), request }));
  });

  app.post('/login', async (c) => {
    const form = await readForm(c);
    if (!deps.csrf.verify(c, form.csrf)) return refusedForm(c);
    const request = form.request;
    const username = (form.username ?? '').trim();
    const password = form.password ?? '';

    const user = username ? await deps.users.findByUsername(username) : undefined;
    const passwordOk = await verifyPassword(user?.passwordHash, password);
    if (!user || !passwordOk || user.disabledAt !== null) {
      const page = LoginPage({ csrf: deps.csrf.tokenFor(c), request, username, error: 'Wrong username or password.' });
      return sendPage(c, page, { status: 401 });
    }
    await deps.sessions.start(c, user.id);
    return c.redirect(afterLogin(request), 303);
  });

  // Signing out changes state, so it takes a form post; a typed-in /logout lands where the button is.
  app.get('/logout', (c) => c.redirect('/account', 303));

  app.post('/logout', async (c) => {
    const form = await readForm(c);
    if (!deps.csrf.verify(c, form.csrf)) return refusedForm(c);
    await deps.sessions.end(c);
    return c.redirect('/login', 303);
  });

  return app;
}
