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

/** The longest value the gateway accepts (src/identity/connection-secrets.ts checks it again). */
const MAX_VALUE_LENGTH = 8192;

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function AccountPage(props: { username: string; csrf: string; apps: ConnectedApp[]; connections?: ConnectionsView | undefined }) {
  return (
    <Layout title="Your account" wide>
      <h1>Connected apps</h1>
      <p class="muted">
        Signed in as <b>{props.username}</b>. These apps can reach your data through this server until you disconnect them.
      </p>
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
                <td data-label="Access">
                  {app.scope
                    .split(' ')
                    .map((scope) => SCOPE_DESCRIPTIONS[scope]?.title ?? scope)
                    .join(', ')}
                </td>
                <td data-label="Connected">{when(app.createdAt)}</td>
                <td data-label="Last used">{when(app.lastUsedAt)}</td>
                <td>
                  <form method="post" action="/account/disconnect">
                    <input type="hidden" name="csrf" value={props.csrf} />
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
      {props.connections && props.connections.servers.length > 0 && <Connections csrf={props.csrf} view={props.connections} />}
      <form method="post" action="/logout">
        <input type="hidden" name="csrf" value={props.csrf} />
        <div class="actions">
          <button type="submit">Sign out</button>
        </div>
      </form>
    </Layout>
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
