import { SCOPE_DESCRIPTIONS } from './consent.js';
import { Layout } from './layout.js';

export interface ConnectedApp {
  grantId: string;
  clientName: string;
  redirectHost: string;
  scope: string;
  createdAt: number;
  lastUsedAt: number;
}

/** One upstream server's declared secrets, and which of them the user has given. */
export interface ConnectionView {
  server: string;
  description?: string | undefined;
  secrets: { name: string; description: string; saved: boolean; updatedAt?: number | undefined }[];
}

export interface ConnectionsView {
  servers: ConnectionView[];
  /** What the last form did ("GITHUB_TOKEN for github saved."). */
  notice?: string | undefined;
  /** Why a value was refused, shown beside its form. */
  error?: { server: string; name: string; message: string } | undefined;
}

/** A signed-in browser (src/identity/sessions.ts lists them). */
export interface BrowserSession {
  /** An opaque id for the sign-out form: never the session cookie. */
  ref: string;
  createdAt: number;
  lastSeenAt: number | null;
  userAgent: string | null;
  current: boolean;
}

/** What the last form did, or why it was refused, shown in the section it concerns. */
export interface AccountNotice {
  section: 'page' | 'apps' | 'password' | 'sessions';
  text: string;
  /** A refusal (role=alert), rather than news of something done (role=status). */
  error?: boolean;
}

export interface AccountPageProps {
  username: string;
  csrf: string;
  apps: ConnectedApp[];
  sessions: BrowserSession[];
  /** Present when the user has a password here they may change (a local account, with password sign-in on). */
  password?: { minLength: number; maxLength: number } | undefined;
  notice?: AccountNotice | undefined;
  connections?: ConnectionsView | undefined;
}

/** The longest value the gateway accepts (src/identity/connection-secrets.ts checks it again). */
const MAX_VALUE_LENGTH = 8192;

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const scopeTitles = (scope: string) =>
  scope
    .split(' ')
    .map((name) => SCOPE_DESCRIPTIONS[name]?.title ?? name)
    .join(', ');

function Notice(props: { notice: AccountNotice | undefined; section: AccountNotice['section'] }) {
  const { notice } = props;
  if (!notice || notice.section !== props.section) return null;
  return notice.error ? (
    <p class="error" role="alert">
      {notice.text}
    </p>
  ) : (
    <p class="notice" role="status">
      {notice.text}
    </p>
  );
}

export function AccountPage(props: AccountPageProps) {
  return (
    <Layout title="Your account" wide>
      <h1>Your account</h1>
      <p class="muted">
        Signed in as <b>{props.username}</b>.
      </p>
      <Notice notice={props.notice} section="page" />
      <ConnectedApps apps={props.apps} notice={props.notice} />
      {props.connections && props.connections.servers.length > 0 && <Connections csrf={props.csrf} view={props.connections} />}
      {props.password && <ChangePassword csrf={props.csrf} username={props.username} rules={props.password} notice={props.notice} />}
      <Sessions csrf={props.csrf} sessions={props.sessions} notice={props.notice} />
      <form method="post" action="/logout">
        <input type="hidden" name="csrf" value={props.csrf} />
        <div class="actions">
          <button type="submit">Sign out</button>
        </div>
      </form>
    </Layout>
  );
}

function ConnectedApps(props: { apps: ConnectedApp[]; notice: AccountNotice | undefined }) {
  return (
    <section id="apps" aria-labelledby="apps-title">
      <h2 id="apps-title">Connected apps</h2>
      <p class="muted">These apps can reach your data through this server until you disconnect them.</p>
      <Notice notice={props.notice} section="apps" />
      {props.apps.length === 0 ? (
        <p>No app is connected.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>App</th>
              <th>Access</th>
              <th>Connected</th>
              <th>Last used</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {props.apps.map((app) => (
              <tr>
                <td>
                  <b>{app.clientName}</b>
                  <div class="muted">{app.redirectHost}</div>
                </td>
                <td data-label="Access">{scopeTitles(app.scope)}</td>
                <td data-label="Connected">{when(app.createdAt)}</td>
                <td data-label="Last used">{when(app.lastUsedAt)}</td>
                <td>
                  {/* A GET: it only asks for confirmation; the confirmation's form is the one that revokes. */}
                  <form method="get" action="/account/disconnect">
                    <input type="hidden" name="grant" value={app.grantId} />
                    <button class="danger" type="submit" aria-label={`Disconnect ${app.clientName}`}>
                      Disconnect
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The second step of disconnecting an app, so a slip of the finger (or of the Enter key) costs nothing. */
export function DisconnectPage(props: { csrf: string; app: ConnectedApp }) {
  const { app } = props;
  return (
    <Layout title={`Disconnect ${app.clientName}?`}>
      <h1>Disconnect {app.clientName}?</h1>
      <p>It will lose access until you connect it again.</p>
      <p class="muted">
        <span class="host">{app.redirectHost}</span> · access now: {scopeTitles(app.scope)} · connected {when(app.createdAt)} · last used {when(app.lastUsedAt)}
      </p>
      <form method="post" action="/account/disconnect">
        <input type="hidden" name="csrf" value={props.csrf} />
        <input type="hidden" name="grant" value={app.grantId} />
        <div class="actions">
          <a class="button" href="/account#apps">
            Cancel
          </a>
          <button class="danger" type="submit">
            Disconnect {app.clientName}
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** A local account's password: the current one to prove it is the owner, the new one twice against typos. */
function ChangePassword(props: { csrf: string; username: string; rules: { minLength: number; maxLength: number }; notice: AccountNotice | undefined }) {
  const { minLength, maxLength } = props.rules;
  return (
    <section id="password" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <Notice notice={props.notice} section="password" />
      <form method="post" action="/account/password" class="password-form">
        <input type="hidden" name="csrf" value={props.csrf} />
        {/* For password managers, which file the new password under this name; never shown, never focused. */}
        <input type="text" name="username" autocomplete="username" value={props.username} readonly hidden />
        <label for="current-password">Current password</label>
        <input type="password" id="current-password" name="current_password" autocomplete="current-password" required />
        <label for="new-password">New password</label>
        <input
          type="password"
          id="new-password"
          name="new_password"
          autocomplete="new-password"
          required
          minlength={minLength}
          maxlength={maxLength}
          aria-describedby="new-password-hint"
        />
        <p class="muted hint" id="new-password-hint">
          At least {minLength} characters. Changing it signs you out in every other browser.
        </p>
        <label for="new-password-again">New password again</label>
        <input
          type="password"
          id="new-password-again"
          name="new_password_again"
          autocomplete="new-password"
          required
          minlength={minLength}
          maxlength={maxLength}
        />
        <div class="actions">
          <button class="primary" type="submit">
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}

/** Where the user is signed in: each browser's session, with a way to end any of them. */
function Sessions(props: { csrf: string; sessions: BrowserSession[]; notice: AccountNotice | undefined }) {
  const others = props.sessions.filter((session) => !session.current).length;
  return (
    <section id="sessions" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Signed-in browsers</h2>
      <p class="muted">Sign out any browser you do not recognise, or no longer use.</p>
      <Notice notice={props.notice} section="sessions" />
      <table>
        <thead>
          <tr>
            <th>Browser</th>
            <th>Signed in</th>
            <th>Last seen</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {props.sessions.map((session) => {
            const browser = session.userAgent ?? 'Unknown browser';
            return (
              <tr class={session.current ? 'current' : undefined}>
                <td>
                  <b>{browser}</b>
                  {session.current && <span class="badge">This browser</span>}
                </td>
                <td data-label="Signed in">{when(session.createdAt)}</td>
                <td data-label="Last seen">{session.lastSeenAt === null ? 'not recorded' : when(session.lastSeenAt)}</td>
                <td>
                  {session.current ? (
                    <form method="post" action="/logout">
                      <input type="hidden" name="csrf" value={props.csrf} />
                      <button type="submit" aria-label="Sign out this browser">
                        Sign out
                      </button>
                    </form>
                  ) : (
                    <form method="post" action="/account/sessions/end">
                      <input type="hidden" name="csrf" value={props.csrf} />
                      <input type="hidden" name="session" value={session.ref} />
                      <button type="submit" aria-label={`Sign out ${browser}, signed in ${when(session.createdAt)}`}>
                        Sign out
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {others > 0 && (
        <form method="post" action="/account/sessions/end-others">
          <input type="hidden" name="csrf" value={props.csrf} />
          <div class="actions">
            <button class="danger" type="submit">
              Sign out everywhere else
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/**
 * The secrets upstream servers need from the user. Values go in and never come back out: the page shows only
 * whether one is saved, and when.
 */
function Connections(props: { csrf: string; view: ConnectionsView }) {
  const { notice, error } = props.view;
  return (
    <section id="connections">
      <h2>Connections</h2>
      <p class="muted">Some of the servers behind this one need a secret of yours. Each is stored encrypted and never shown again.</p>
      {notice && <p role="status">{notice}</p>}
      {props.view.servers.map((server) => (
        <>
          <h3>{server.server}</h3>
          {server.description && <p class="muted">{server.description}</p>}
          <table>
            <tbody>
              {server.secrets.map((secret) => (
                <tr>
                  <td>
                    <code>{secret.name}</code>
                    <div class="muted">{secret.description}</div>
                  </td>
                  <td data-label="Status">{secret.saved && secret.updatedAt !== undefined ? `saved ${when(secret.updatedAt)}` : 'not set'}</td>
                  <td>
                    {error?.server === server.server && error.name === secret.name && (
                      <p class="error" role="alert">
                        {error.message}
                      </p>
                    )}
                    <form method="post" action="/account/connections/save">
                      <input type="hidden" name="csrf" value={props.csrf} />
                      <input type="hidden" name="server" value={server.server} />
                      <input type="hidden" name="name" value={secret.name} />
                      <input
                        type="password"
                        name="value"
                        autocomplete="off"
                        required
                        maxlength={MAX_VALUE_LENGTH}
                        aria-label={`${secret.name} for ${server.server}`}
                      />
                      <button type="submit">{secret.saved ? 'Replace' : 'Save'}</button>
                    </form>
                    {secret.saved && (
                      <form method="post" action="/account/connections/remove">
                        <input type="hidden" name="csrf" value={props.csrf} />
                        <input type="hidden" name="server" value={server.server} />
                        <input type="hidden" name="name" value={secret.name} />
                        <button class="danger" type="submit" aria-label={`Remove ${secret.name} for ${server.server}`}>
                          Remove
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ))}
    </section>
  );
}
