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
                  {app.clientName}
                  <div class="muted">{app.redirectHost}</div>
                </td>
                <td>
                  <code>{app.scope}</code>
                </td>
                <td>{when(app.createdAt)}</td>
                <td>{when(app.lastUsedAt)}</td>
                <td>
                  <form method="post" action="/account/disconnect">
                    <input type="hidden" name="csrf" value={props.csrf} />
                    <input type="hidden" name="grant" value={app.grantId} />
                    <button class="danger" type="submit">
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
