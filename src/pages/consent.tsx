import { Layout } from './layout.js';

/** What each scope lets the app do, said plainly: a title, then the consequence. */
export const SCOPE_DESCRIPTIONS: Record<string, { title: string; detail: string }> = {
  'mcp:tools': { title: 'Use the tools', detail: 'Run this server’s tools as you. Tools can read and change your data here.' },
  'mcp:resources': { title: 'Read your data', detail: 'Read what you keep on this server, such as your notes.' },
  'mcp:prompts': { title: 'Use the prompts', detail: 'Use the prompt templates this server offers.' },
};

export function ConsentPage(props: {
  csrf: string;
  request: string;
  username: string;
  clientName: string | undefined;
  /**
   * Who stands behind the name: verified (a client this server knows), published (a metadata document, named by the
   * host that publishes it), or unverified (a name the app gave itself when it registered).
   */
  trust: 'verified' | 'published' | 'unverified';
  /** The known client this one names itself after without being it. */
  impersonates?: string | undefined;
  /** For a client identified by its metadata document: the host that publishes it. */
  publisherHost?: string | undefined;
  logoUri?: string | undefined;
  redirectHost: string;
  /** The client can only send you to this machine (a desktop or command-line app), never to a website. */
  loopbackOnly: boolean;
  scopes: string[];
  /** The upstream servers (the gateway's) the app will reach through this server. */
  servers: Array<{ name: string; description?: string | undefined }>;
}) {
  const name = props.clientName ?? 'An unnamed app';
  return (
    <Layout title="Allow access?">
      {props.logoUri && <img class="logo" src={props.logoUri} alt="" width="48" height="48" />}
      <h1>Allow {name} to access your account?</h1>
      {props.impersonates && (
        <p class="warning" role="alert">
          <strong>This is not {props.impersonates}.</strong> This app calls itself “{name}”, but it would send your answer to{' '}
          <span class="host">{props.redirectHost}</span>, which {props.impersonates} does not use. Deny unless you are certain who asks.
        </p>
      )}
      {props.trust === 'verified' && <p class="trust verified">Verified app: this server knows {name} and where it receives your answer.</p>}
      {props.trust === 'unverified' && (
        <p class="trust unverified">
          <strong>Unverified app.</strong> The name “{name}” was supplied by the app itself; this server has not checked it.
        </p>
      )}
      {props.publisherHost && (
        <p class="muted">
          This app is described by <span class="host">{props.publisherHost}</span>.
        </p>
      )}
      {props.trust === 'verified' ? (
        <p class="muted">
          Signed in as <b>{props.username}</b>. After you decide, you will be sent to <span class="host">{props.redirectHost}</span>.
        </p>
      ) : (
        <>
          <p class="redirect">
            Your answer goes to <span class="host">{props.redirectHost}</span>. Continue only if you know this address.
          </p>
          <p class="muted">
            Signed in as <b>{props.username}</b>.
          </p>
        </>
      )}
      {props.loopbackOnly && (
        <p class="warning" role="note">
          This app runs on your own computer: it can only receive the answer on this machine. Allow it only if you just started it yourself.
        </p>
      )}
      <p>{name} asks to:</p>
      <ul class="scopes">
        {props.scopes.map((scope) => {
          const description = SCOPE_DESCRIPTIONS[scope];
          return (
            <li>
              <strong>{description?.title ?? scope}</strong>
              {description && <span>{description.detail} </span>}
              <code class="muted">{scope}</code>
            </li>
          );
        })}
      </ul>
      {props.servers.length > 0 && (
        <>
          <p>Through this server, it will reach:</p>
          <ul class="servers">
            {props.servers.map((server) => (
              <li>
                <strong>{server.name}</strong>
                {server.description && <span> {server.description}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
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
