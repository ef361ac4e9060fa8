// /account: the signed-in user's connected apps, each of which can be disconnected (its grant revoked), and the
// secrets upstream servers need from them (Connections), which they can save, replace and remove.
import { Hono, type Context } from 'hono';
import type { Audit } from '../audit.js';
import { InvalidSecretValue, type ConnectionSecrets } from './connection-secrets.js';
import type { Storage } from '../storage/index.js';
import { AccountPage, type ConnectionsView } from '../pages/account.js';
import { ErrorPage } from '../pages/error.js';
import { sendPage } from '../pages/respond.js';
import type { CsrfProtection } from './csrf.js';
import { readForm, refusedForm } from './forms.js';
import type { SessionManager, SignedInUser } from './sessions.js';

/** An upstream server as the account page needs it: its name and the secrets it declares (name → description). */
export interface ConnectionServer {
  name: string;
  description?: string | undefined;
  secrets: Record<string, string>;
}

export interface AccountConnections {
  servers: ConnectionServer[];
  secrets: ConnectionSecrets;
}

export interface AccountDeps {
  storage: Pick<Storage, 'grants'>;
  sessions: SessionManager;
  csrf: CsrfProtection;
  audit: Audit;
  /** Upstream servers that need per-user secrets; without any, the page has no Connections section. */
  connections?: AccountConnections | undefined;
}

type Done = 'saved' | 'removed';
const isDone = (value: string | undefined): value is Done => value === 'saved' || value === 'removed';

export function accountRoutes(deps: AccountDeps) {
  const app = new Hono();
  const servers = deps.connections?.servers.filter((server) => Object.keys(server.secrets).length > 0) ?? [];
  /** The declared secret a form names, or undefined for a server or name nobody declared. */
  const declared = (server: string | undefined, name: string | undefined) => {
    const found = servers.find((candidate) => candidate.name === server);
    return found && name !== undefined && Object.hasOwn(found.secrets, name) ? { server: found.name, name } : undefined;
  };

  async function connectionsView(user: SignedInUser, extra: Pick<ConnectionsView, 'notice' | 'error'> = {}): Promise<ConnectionsView | undefined> {
    if (!deps.connections || servers.length === 0) return undefined;
    const { secrets } = deps.connections;
    const views = await Promise.all(
      servers.map(async (server) => ({
        server: server.name,
        description: server.description,
        secrets: await secrets.status(user.id, server.name, server.secrets),
      })),
    );
    return { servers: views, ...extra };
  }

  const renderPage = async (c: Context, user: SignedInUser, connections: ConnectionsView | undefined, status: 200 | 400 = 200) => {
    const apps = await deps.storage.grants.listActiveForUser(user.id);
    return sendPage(c, AccountPage({ username: user.username, csrf: deps.csrf.tokenFor(c), apps, connections }), { status });
  };

  app.get('/account', async (c) => {
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect('/login', 303);
    // The confirmation after a Connections form: only ever about a declared secret, so a crafted link says nothing new.
    const done = c.req.query('done');
    const subject = declared(c.req.query('server'), c.req.query('name'));
    const notice = subject && isDone(done) ? `${subject.name} for ${subject.server} ${done}.` : undefined;
    return renderPage(c, user, await connectionsView(user, { notice }));
  });

  /** A form the signed-in user posted, its CSRF token checked; or the answer to give instead. */
  const signedInForm = async (c: Context) => {
    const form = await readForm(c);
    if (!deps.csrf.verify(c, form.csrf)) return refusedForm(c);
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect('/login', 303);
    return { form, user };
  };

  app.post('/account/disconnect', async (c) => {
    const posted = await signedInForm(c);
    if (posted instanceof Response) return posted;
    const { form, user } = posted;
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

  if (!deps.connections) return app;
  const { secrets } = deps.connections;

  const unknownSecret = (c: Context) =>
    sendPage(c, ErrorPage({ title: 'This request is not valid', message: 'No server here asks for that secret.' }), { status: 400 });
  const backTo = (c: Context, done: Done, subject: { server: string; name: string }) =>
    c.redirect(`/account?${new URLSearchParams({ done, server: subject.server, name: subject.name })}#connections`, 303);

  /** A Connections form: posted by the signed-in user, and naming a secret a server declares. */
  const connectionForm = async (c: Context) => {
    const posted = await signedInForm(c);
    if (posted instanceof Response) return posted;
    const subject = declared(posted.form.server, posted.form.name);
    return subject ? { ...posted, subject } : unknownSecret(c);
  };

  app.post('/account/connections/save', async (c) => {
    const posted = await connectionForm(c);
    if (posted instanceof Response) return posted;
    const { form, user, subject } = posted;
    try {
      await secrets.save(user.id, subject.server, subject.name, form.value ?? '');
    } catch (error) {
      if (!(error instanceof InvalidSecretValue)) throw error;
      // Shown again with the reason, never with what was typed.
      return renderPage(c, user, await connectionsView(user, { error: { ...subject, message: error.message } }), 400);
    }
    await deps.audit(c, { type: 'upstream_secret.saved', userId: user.id, detail: { ...subject } });
    return backTo(c, 'saved', subject);
  });

  app.post('/account/connections/remove', async (c) => {
    const posted = await connectionForm(c);
    if (posted instanceof Response) return posted;
    const { user, subject } = posted;
    if (await secrets.remove(user.id, subject.server, subject.name)) {
      await deps.audit(c, { type: 'upstream_secret.removed', userId: user.id, detail: { ...subject } });
    }
    return backTo(c, 'removed', subject);
  });

  return app;
}
