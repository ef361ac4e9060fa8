import { BrandName, Layout } from './layout.js';

/** What each scope lets the app do, said plainly: a title, then the consequence. */
export const SCOPE_DESCRIPTIONS: Record<string, { title: string; detail: string }> = {
  'mcp:tools': { title: 'Use the tools', detail: 'Run this server’s tools as you. Tools can read and change your data here.' },
  'mcp:resources': { title: 'Read your data', detail: 'Read what you keep on this server, such as your notes.' },
  'mcp:prompts': { title: 'Use the prompts', detail: 'Use the prompt templates this server offers.' },
};

/** Only an http(s) link is ever made of what a client says about itself. */
function webLink(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    const url = new URL(uri);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A page the client publishes about itself, opened beside the consent page rather than instead of it. */
function ClientLink(props: { href: string; class: string; children: string }) {
  return (
    <a class={props.class} href={props.href} target="_blank" rel="noopener noreferrer">
      {props.children}
      <span class="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}

export function ConsentPage(props: {
  csrf: string;
  request: string;
  username: string;
  clientId: string;
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
  /** The client's terms of service and privacy policy (its tos_uri and policy_uri). */
  termsUri?: string | undefined;
  policyUri?: string | undefined;
  redirectHost: string;
  /** The client can only send you to this machine (a desktop or command-line app), never to a website. */
  loopbackOnly: boolean;
  scopes: string[];
  /** The upstream servers (the gateway's) the app will reach through this server. */
  servers: Array<{ name: string; description?: string | undefined; tools?: string | undefined }>;
}) {
  const name = props.clientName ?? 'An unnamed app';
  const terms = webLink(props.termsUri);
  const policy = webLink(props.policyUri);
  return (
    <Layout title="Allow access?">
      {/* "Not you?" signs out and comes back to this same request; its button sits in the consent form below. */}
      <form id="sign-out" method="post" action="/logout">
        <input type="hidden" name="csrf" value={props.csrf} />
        <input type="hidden" name="request" value={props.request} />
      </form>
      <form class="consent" method="post" action="/consent">
        <input type="hidden" name="csrf" value={props.csrf} />
        <input type="hidden" name="request" value={props.request} />
        {props.logoUri && <img class="logo" src={props.logoUri} alt="" width="48" height="48" />}
        <hgroup>
          <h1>
            Allow {name} to access your <BrandName /> account?
          </h1>
          <p class="account">
            Signed in to <BrandName /> as <b>{props.username}</b>.{' '}
            <button class="link" type="submit" form="sign-out">
              Not you?
            </button>
          </p>
        </hgroup>
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
            After you decide, you will be sent to <span class="host">{props.redirectHost}</span>.
          </p>
        ) : (
          <p class="redirect">
            Your answer goes to <span class="host">{props.redirectHost}</span>. Continue only if you know this address.
          </p>
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
                  {server.tools && <span class="muted"> ({server.tools})</span>}
                </li>
              ))}
            </ul>
          </>
        )}
        {(terms || policy) && (
          <p class="muted client-links">
            {props.trust === 'verified' ? name : 'The app'} publishes its{' '}
            {terms && (
              <ClientLink class="terms" href={terms}>
                terms of service
              </ClientLink>
            )}
            {terms && policy && ' and '}
            {policy && (
              <ClientLink class="policy" href={policy}>
                privacy policy
              </ClientLink>
            )}
            .
          </p>
        )}
        <details class="client">
          <summary>About this app</summary>
          <dl>
            <dt>Client ID</dt>
            <dd>
              <code>{props.clientId}</code>
            </dd>
          </dl>
        </details>
        <p class="muted">
          Only allow apps you trust. You can disconnect it at any time from <a href="/account">your account page</a>.
        </p>
        <div class="actions decision">
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
