import { Layout } from './layout.js';

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  'mcp:tools': 'Use this server’s tools on your behalf, which can read and change your data',
  'mcp:resources': 'Read your resources, such as your notes',
  'mcp:prompts': 'Use this server’s prompt templates',
};

export function ConsentPage(props: {
  csrf: string;
  request: string;
  username: string;
  clientName: string | undefined;
  /** For a client identified by its metadata document: the host that publishes it. */
  publisherHost?: string | undefined;
  logoUri?: string | undefined;
  redirectHost: string;
  /** The client can only send you to this machine (a desktop or command-line app), never to a website. */
  loopbackOnly: boolean;
  scopes: string[];
}) {
  const name = props.clientName ?? 'An unnamed app';
  return (
    <Layout title="Allow access?">
      {props.logoUri && <img class="logo" src={props.logoUri} alt="" width="48" height="48" />}
      <h1>Allow {name} to access your account?</h1>
      {props.publisherHost && (
        <p class="muted">
          This app is described by <span class="host">{props.publisherHost}</span>.
        </p>
      )}
      <p class="muted">
        Signed in as <b>{props.username}</b>. After you decide, you will be sent to <span class="host">{props.redirectHost}</span>.
      </p>
      {props.loopbackOnly && (
        <p class="warning" role="note">
          This app runs on your own computer: it can only receive the answer on this machine. Allow it only if you just
          started it yourself.
        </p>
      )}
      <p>{name} asks to:</p>
      <ul class="scopes">
        {props.scopes.map((scope) => (
          <li>
            {SCOPE_DESCRIPTIONS[scope] ?? scope} <code class="muted">({scope})</code>
          </li>
        ))}
      </ul>
      <p class="muted">Only allow apps you trust. You can disconnect it at any time from your account page.</p>
      <form method="post" action="/consent">
        <input type="hidden" name="csrf" value={props.csrf} />
        <input type="hidden" name="request" value={props.request} />
        <div class="actions">
          <button type="submit" name="decision" value="deny">
            Deny
          </button>
          <button class="primary" type="submit" name="decision" value="approve">
            Allow
          </button>
        </div>
      </form>
    </Layout>
  );
}
