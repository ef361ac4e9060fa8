// Claude as the bench plays it: signs in once through the real pages, connects by its client metadata document,
// and exchanges codes at /token, as test/helpers/oauth.ts does for the tests.
import { hiddenFields, type Browser } from '../test/helpers/browser.js';
import { ADMIN } from '../test/helpers/gatehouse.js';
import { pkce } from '../test/helpers/oauth.js';

export const CLAUDE = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
export const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

/** Signs in once and connects Claude by its metadata document; the browser keeps the session for later runs. */
export async function connect(base: string, browser: Browser): Promise<{ accessToken: string; refreshToken: string }> {
  const code = await authorizationCode(base, browser);
  const tokens = await exchange(base, code.code, code.verifier);
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

export async function authorizationCode(base: string, browser: Browser): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const url = new URL('/authorize', base);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: CLAUDE,
    redirect_uri: CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's',
  })) {
    url.searchParams.set(key, value);
  }
  let step = await browser.go(url);
  if (step.url.pathname === '/login') {
    step = await browser.submit(new URL('/login', base), { ...hiddenFields(step.html!), username: ADMIN.username, password: ADMIN.password });
  }
  const answered = await browser.submit(new URL('/consent', base), { ...hiddenFields(step.html!), decision: 'approve' });
  return { code: answered.leftTo!.searchParams.get('code')!, verifier };
}

export const tokenBody = (params: Record<string, string>) => new URLSearchParams({ client_id: CLAUDE, ...params }).toString();

export async function exchange(base: string, code: string, verifier: string) {
  const response = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenBody({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK }),
  });
  return (await response.json()) as { access_token: string; refresh_token: string };
}
