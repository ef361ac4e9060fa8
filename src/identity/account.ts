// /account: the signed-in user's connected apps, each of which can be disconnected (its grant revoked, after a
// confirmation), the secrets upstream servers need from them (Connections), their password (local accounts), and
// the browsers they are signed in on, any of which they can sign out.
import { Hono, type Context } from 'hono';
import type { Audit } from '../audit.js';
import { InvalidSecretValue, type ConnectionSecrets } from './connection-secrets.js';
import type { Storage } from '../storage/index.js';
import { AccountPage, DisconnectPage, type AccountNotice, type ConnectionsView } from '../pages/account.js';
import { ErrorPage } from '../pages/error.js';
import { sendPage } from '../pages/respond.js';
import type { CsrfProtection } from './csrf.js';
import { readForm, refusedForm } from './forms.js';
import type { LoginThrottle } from './login-throttle.js';
import { hasPassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem, verifyPassword } from './passwords.js';
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

/** What changing a password on the page needs: the sign-in throttle (a guess here is a guess there) and who guesses. */
export interface AccountPasswords {
  throttle: LoginThrottle;
  sourceIp: (c: Context) => string;
}

export interface AccountDeps {
  storage: Pick<Storage, 'grants' | 'users'>;
  sessions: SessionManager;
  csrf: CsrfProtection;
  audit: Audit;
  /** Upstream servers that need per-user secrets; without any, the page has no Connections section. */
  connections?: AccountConnections | undefined;
  /** Given when password sign-in is on (AUTH_MODE includes local): local users may then change their password. */
  passwords?: AccountPasswords | undefined;
}

type Done = 'saved' | 'removed';
const isDone = (value: string | undefined): value is Done => value === 'saved' || value === 'removed';

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A page rendered in answer to a form: what to say, and the status. */
interface Answer {
  notice?: AccountNotice | undefined;
  status?: 200 | 400 | 403 | 404 | 429;
}

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

  /** Whether the user may change a password here: password sign-in is on and the account has one. */
  const mayChangePassword = async (user: SignedInUser) =>
    deps.passwords !== undefined && hasPassword((await deps.storage.users.findById(user.id))?.passwordHash);

  const renderPage = async (c: Context, user: SignedInUser, connections: ConnectionsView | undefined, answer: Answer = {}) => {
    const [apps, sessions, password] = await Promise.all([
      deps.storage.grants.listActiveForUser(user.id),
      deps.sessions.list(c, user.id),
      mayChangePassword(user),
    ]);
    const page = AccountPage({
      username: user.username,
      csrf: deps.csrf.tokenFor(c),
      apps,
      sessions,
      password: password ? { minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH } : undefined,
      notice: answer.notice,
      connections,
    });
    return sendPage(c, page, { status: answer.status ?? 200 });
  };
  /** The page again, saying why a form was refused. */
  const refuse = async (c: Context, user: SignedInUser, status: NonNullable<Answer['status']>, section: AccountNotice['section'], text: string) =>
    renderPage(c, user, await connectionsView(user), { status, notice: { section, text, error: true } });

  /** What the code a form left says, about this user's own things only (so a planted cookie says nothing new). */
  async function noticeFor(user: SignedInUser, code: string | undefined): Promise<AccountNotice | undefined> {
    const [, kind, argument] = /^([a-z-]+)(?:\.([\w-]{1,100}))?$/.exec(code ?? '') ?? [];
    // The kinds that carry a count carry nothing else.
    const count = /^\d{1,6}$/.test(argument ?? '') ? Number(argument) : undefined;
    switch (kind) {
      case 'disconnected': {
        const grants = await deps.storage.grants.list({ userId: user.id, includeRevoked: true });
        const grant = grants.find((candidate) => candidate.id === argument && candidate.revokedAt !== null);
        return grant && { section: 'apps', text: `${grant.clientName ?? grant.clientId} was disconnected. It can no longer reach your data.` };
      }
      case 'not-connected':
        return { section: 'apps', text: 'That app is not connected to your account, so nothing was disconnected.', error: true };
      case 'password-changed':
        if (count === undefined) return undefined;
        return {
          section: 'password',
          text: `Your password was changed. ${count > 0 ? `${plural(count, 'other browser')} signed out; this one stays signed in.` : 'No other browser was signed in.'}`,
        };
      case 'session-ended':
        return { section: 'sessions', text: 'That browser was signed out.' };
      case 'others-ended':
        if (count === undefined) return undefined;
        return { section: 'sessions', text: count > 0 ? `Signed out everywhere else: ${plural(count, 'browser')}.` : 'No other browser was signed in.' };
      default:
        return undefined;
    }
  }

  app.get('/account', async (c) => {
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect('/login', 303);
    // The confirmation after a Connections form: only ever about a declared secret, so a crafted link says nothing new.
    const done = c.req.query('done');
    const subject = declared(c.req.query('server'), c.req.query('name'));
    const notice = subject && isDone(done) ? `${subject.name} for ${subject.server} ${done}.` : undefined;
    return renderPage(c, user, await connectionsView(user, { notice }), { notice: await noticeFor(user, deps.sessions.takeNotice(c)) });
  });

  /** A form the signed-in user posted, its CSRF token checked; or the answer to give instead. */
  const signedInForm = async (c: Context) => {
    const form = await readForm(c);
    if (!deps.csrf.verify(c, form.csrf)) return refusedForm(c);
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect('/login', 303);
    return { form, user };
  };

  // The first step of disconnecting only shows what would happen; it changes nothing, so it is a GET.
  app.get('/account/disconnect', async (c) => {
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect('/login', 303);
    const grantId = c.req.query('grant');
    const connected = (await deps.storage.grants.listActiveForUser(user.id)).find((candidate) => candidate.grantId === grantId);
    if (!connected) return refuse(c, user, 404, 'apps', 'That app is not connected to your account (any more), so there is nothing to disconnect.');
    return sendPage(c, DisconnectPage({ csrf: deps.csrf.tokenFor(c), app: connected }));
  });

  // The confirmation's form: revokes the grant when it is the user's own.
  app.post('/account/disconnect', async (c) => {
    const posted = await signedInForm(c);
    if (posted instanceof Response) return posted;
    const { form, user } = posted;
    const grantId = form.grant ?? '';
    const grant = await deps.storage.grants.find(grantId);
    if (!grant || grant.userId !== user.id) {
      deps.sessions.leaveNotice(c, 'not-connected');
      return c.redirect('/account', 303);
    }
    if (await deps.storage.grants.revoke(grant.id, Date.now())) {
      await deps.audit(c, {
        type: 'grant.revoked',
        userId: user.id,
        clientId: grant.clientId,
        detail: { grantId: grant.id, reason: 'disconnected by the user' },
      });
    }
    // Also when it already was (a second click): either way, it is disconnected.
    deps.sessions.leaveNotice(c, `disconnected.${grant.id}`);
    return c.redirect('/account#apps', 303);
  });

  app.post('/account/sessions/end', async (c) => {
    const posted = await signedInForm(c);
    if (posted instanceof Response) return posted;
    const { form, user } = posted;
    const outcome = await deps.sessions.endOther(c, user.id, form.session ?? '');
    if (outcome === 'current') return refuse(c, user, 400, 'sessions', 'That is this browser: use its Sign out button to sign out here.');
    if (outcome === 'unknown') return refuse(c, user, 404, 'sessions', 'That session is not one of yours, or it has already ended.');
    await deps.audit(c, { type: 'session.ended', userId: user.id, detail: { ended: 1, by: 'the user, from another browser' } });
    deps.sessions.leaveNotice(c, 'session-ended');
    return c.redirect('/account#sessions', 303);
  });

  app.post('/account/sessions/end-others', async (c) => {
    const posted = await signedInForm(c);
    if (posted instanceof Response) return posted;
    const ended = await deps.sessions.endAllOthers(c, posted.user.id);
    if (ended > 0) await deps.audit(c, { type: 'session.ended', userId: posted.user.id, detail: { ended, by: 'the user, everywhere else' } });
    deps.sessions.leaveNotice(c, `others-ended.${ended}`);
    return c.redirect('/account#sessions', 303);
  });

  mountPasswordChange(app, deps, signedInForm, refuse);
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
      return renderPage(c, user, await connectionsView(user, { error: { ...subject, message: error.message } }), { status: 400 });
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

type SignedInForm = (c: Context) => Promise<Response | { form: Record<string, string | undefined>; user: SignedInUser }>;
type Refuse = (c: Context, user: SignedInUser, status: NonNullable<Answer['status']>, section: AccountNotice['section'], text: string) => Promise<Response>;

/**
 * POST /account/password: the current password proves the owner (throttled as sign-in is, under the same counts),
 * the new one is typed twice and held to the rules `gatehouse users passwd` applies. Success ends every other
 * session of the user and renews this browser's, so a stolen cookie dies with the old password.
 */
function mountPasswordChange(app: Hono, deps: AccountDeps, signedInForm: SignedInForm, refuse: Refuse) {
  app.post('/account/password', async (c) => {
    const posted = await signedInForm(c);
    if (posted instanceof Response) return posted;
    const { form, user } = posted;
    const { passwords } = deps;
    if (!passwords) return refuse(c, user, 403, 'page', 'Passwords are not used to sign in to this server, so there is none to change.');
    const stored = await deps.storage.users.findById(user.id);
    if (!stored || !hasPassword(stored.passwordHash)) {
      return refuse(c, user, 403, 'page', 'This account signs in through an identity provider and has no password here to change.');
    }
    const ip = passwords.sourceIp(c);
    const wait = await passwords.throttle.retryAfter(user.username, ip);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      const minutes = Math.ceil(wait / 60);
      return refuse(c, user, 429, 'password', `Too many wrong passwords. Try again in ${plural(minutes, 'minute')}.`);
    }

    const current = form.current_password ?? '';
    const next = form.new_password ?? '';
    if (current === '') return refuse(c, user, 400, 'password', 'Enter your current password.');
    const problem = passwordProblem(next);
    if (problem) return refuse(c, user, 400, 'password', `The new password ${problem}.`);
    if (next !== (form.new_password_again ?? '')) return refuse(c, user, 400, 'password', 'The two new passwords do not match. Type the same one twice.');
    if (!(await verifyPassword(stored.passwordHash, current))) {
      const lock = await passwords.throttle.failed(user.username, ip);
      await deps.audit(c, {
        type: lock ? 'login.locked' : 'login.failed',
        userId: user.id,
        detail: { username: user.username.slice(0, 64), via: 'account page', ...(lock && { lockSeconds: lock }) },
      });
      return refuse(c, user, 400, 'password', 'The current password is wrong. Your password was not changed.');
    }
    await passwords.throttle.succeeded(user.username);
    if (next === current) return refuse(c, user, 400, 'password', 'The new password is the same as the current one. Choose a different one.');

    // Ends every session (this one too) in the transaction that replaces the hash, then signs this browser in afresh.
    const { sessionsEnded } = await deps.storage.users.changePassword(user.id, await hashPassword(next));
    await deps.sessions.start(c, user.id);
    const others = Math.max(0, sessionsEnded - 1);
    await deps.audit(c, { type: 'user.password_changed', userId: user.id, detail: { via: 'account page', sessionsEnded: others } });
    deps.sessions.leaveNotice(c, `password-changed.${others}`);
    return c.redirect('/account#password', 303);
  });
}
