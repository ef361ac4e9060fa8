import { Layout } from './layout.js';

export interface SignInOption {
  id: string;
  label: string;
}

export function LoginPage(props: {
  csrf: string;
  request?: string | undefined;
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
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p class="muted">{props.request ? 'Sign in to continue connecting your app.' : 'Sign in to manage your connected apps.'}</p>
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
          <input id="username" name="username" type="text" autocomplete="username" required autofocus={providers.length === 0} value={props.username ?? ''} />
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
