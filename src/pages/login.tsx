import { BrandName, Layout } from './layout.js';

export interface SignInOption {
  id: string;
  label: string;
}

/** The app an authorization request comes from, as the sign-in page may name it (src/oauth/consent.ts decides). */
export interface ConnectingApp {
  name: string | undefined;
  /** Who stands behind the name, as on the consent page: only a verified or published name is shown plainly. */
  trust: 'verified' | 'published' | 'unverified';
  /** Set when the name is a known client's and this app is not that client: the name is not repeated. */
  impersonates?: string | undefined;
  /** For an app described by a metadata document: the host that publishes it. */
  publisherHost?: string | undefined;
}

/** How the heading names the app: a name this server has not checked stays in quotes, a borrowed one is not shown. */
function appName(app: ConnectingApp | undefined) {
  if (!app || app.impersonates) return 'an app';
  if (!app.name) return 'an unnamed app';
  return app.trust === 'verified' ? app.name : `“${app.name}”`;
}

export function LoginPage(props: {
  csrf: string;
  request?: string | undefined;
  /** The app the authorization request comes from, when the request is one this server issued and still valid. */
  app?: ConnectingApp | undefined;
  error?: string | undefined;
  username?: string | undefined;
  /** Whether the username and password form is offered (AUTH_MODE includes local). */
  local?: boolean | undefined;
  /** Upstream providers, each a button to /login/{id}. */
  providers?: readonly SignInOption[] | undefined;
}) {
  const providers = props.providers ?? [];
  const local = props.local ?? true;
  const carry = props.request ? `?request=${encodeURIComponent(props.request)}` : '';
  const { app } = props;
  return (
    <Layout title="Sign in">
      <h1>
        Sign in to <BrandName />
        {props.request && ` to connect ${appName(app)}`}
      </h1>
      {app?.trust === 'unverified' && !app.impersonates && (
        <p class="trust unverified">
          <strong>Unverified app.</strong> It chose this name itself. The next page shows where your answer would go.
        </p>
      )}
      {app?.trust === 'published' && !app.impersonates && (
        <p class="trust unverified">
          Described by <span class="host">{app.publisherHost}</span>, which chose its name. The next page shows where your answer would go.
        </p>
      )}
      <p class="muted">
        {props.request
          ? 'After you sign in, you will see what it asks for and decide. Nothing is shared before you allow it.'
          : 'Then you can see and disconnect the apps connected to your account.'}
      </p>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {providers.length > 0 && (
        <div class="providers">
          {providers.map((provider) => (
            <a class="button primary" href={`/login/${provider.id}${carry}`}>
              Sign in with {provider.label}
            </a>
          ))}
        </div>
      )}
      {local && providers.length > 0 && <p class="muted divider">or with a password</p>}
      {local && (
        <form method="post" action="/login">
          <input type="hidden" name="csrf" value={props.csrf} />
          {props.request && <input type="hidden" name="request" value={props.request} />}
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            type="text"
            autocomplete="username"
            autocapitalize="none"
            autocorrect="off"
            spellcheck={false}
            required
            autofocus={providers.length === 0}
            value={props.username ?? ''}
          />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <div class="actions">
            <button class={providers.length === 0 ? 'primary' : undefined} type="submit">
              Sign in
            </button>
          </div>
        </form>
      )}
    </Layout>
  );
}
