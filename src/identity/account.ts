// /account: the signed-in user's connected apps, each of which can be disconnected (its grant revoked).
import { Hono } from 'hono';
import type { Audit } from '../audit.js';
import type { Storage } from '../storage/index.js';
import { AccountPage } from '../pages/account.js';
import { sendPage } from '../pages/respond.js';
import type { CsrfProtection } from './csrf.js';
import { readForm, refusedForm } from './forms.js';
import type { SessionManager } from './sessions.js';

export interface AccountDeps {
  storage: Pick<Storage, 'grants'>;
  sessions: SessionManager;
  csrf: CsrfProtection;
  audit: Audit;
}

export function accountRoutes(deps: AccountDeps) {
  const app = new Hono();

  app.get('/account', async (c) => {
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect('/login', 303);
    const apps = await deps.storage.grants.listActiveForUser(user.id);
    return sendPage(c, AccountPage({ username: user.username, csrf: deps.csrf.tokenFor(c), apps }));
  });

  app.post('/account/disconnect', async (c) => {
    const form = await readForm(c);
    if (!deps.csrf.verify(c, form.csrf)) return refusedForm(c);
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect('/login', 303);
    const grantId = form.grant ?? '';
    const grant = await deps.storage.grants.find(grantId);
    if (grant && grant.userId === user.id && (await deps.storage.grants.revoke(grant.id, Date.now()))) {
      await deps.audit(c, {
        type: 'grant.revoked',
        userId: user.id,
        clientId: grant.clientId,
        detail: { grantId: grant.id, reason: 'disconnected by the user' },
      });
    }
    return c.redirect('/account', 303);
  });

  return app;
}
