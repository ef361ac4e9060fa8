import { Layout } from './layout.js';

export function LoginPage(props: { csrf: string; request?: string | undefined; error?: string | undefined; username?: string | undefined }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      <p class="muted">{props.request ? 'Sign in to continue connecting your app.' : 'Sign in to manage your connected apps.'}</p>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <form method="post" action="/login">
        <input type="hidden" name="csrf" value={props.csrf} />
        {props.request && <input type="hidden" name="request" value={props.request} />}
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" required autofocus value={props.username ?? ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <div class="actions">
          <button class="primary" type="submit">
            Sign in
          </button>
        </div>
      </form>
    </Layout>
  );
}
