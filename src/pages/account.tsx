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

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function AccountPage(props: { username: string; csrf: string; apps: ConnectedApp[] }) {
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
      <form method="post" action="/logout">
        <input type="hidden" name="csrf" value={props.csrf} />
        <div class="actions">
          <button type="submit">Sign out</button>
        </div>
      </form>
    </Layout>
  );
}
