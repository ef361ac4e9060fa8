// /login/{provider} sends the browser to the upstream provider; /login/{provider}/callback reads who came back,
// checks the allowlist, finds or creates their Gatehouse user, starts a session and resumes the authorization
// request. MCP clients never see the provider: they still register with Gatehouse and get its consent page.
import { Hono, type Context } from 'hono';
import * as oauth from 'oauth4webapi';
import type { Audit } from '../../audit.js';
import { ErrorPage } from '../../pages/error.js';
import { sendPage } from '../../pages/respond.js';
import type { IdentitiesRepository } from '../../storage/identities.js';
import { afterLogin } from '../login.js';
import type { SessionManager } from '../sessions.js';
import type { LoginState } from './login-state.js';
import { UpstreamLoginFailed, type UpstreamSignIn } from './provider.js';
import type { UpstreamTokenVault } from './token-vault.js';

export interface UpstreamLoginDeps {
  providers: readonly UpstreamSignIn[];
  identities: IdentitiesRepository;
  sessions: SessionManager;
  state: LoginState;
  /** Set when tools may use the provider's tokens (KEEP_UPSTREAM_TOKENS). */
  vault: UpstreamTokenVault | undefined;
  audit: Audit;
  baseUrl: string;
}

/**
 * A sealed authorization request is usually under 1 KB; past this, the encrypted cookie that carries it through the
 * provider would pass the 4 KB browsers keep, and the sign-in would fail later and less clearly.
 */
const MAX_REQUEST_LENGTH = 2400;

const failed = (c: Context, title: string, message: string, status: 400 | 403 | 502) => sendPage(c, ErrorPage({ title, message }), { status });

export function upstreamLoginRoutes(deps: UpstreamLoginDeps) {
  const app = new Hono();
  const providerFor = (c: Context) => deps.providers.find((provider) => provider.id === c.req.param('provider'));

  app.get('/login/:provider', async (c) => {
    const provider = providerFor(c);
    if (!provider) return c.notFound();
    const request = c.req.query('request');
    if (request && request.length > MAX_REQUEST_LENGTH) return failed(c, 'This request is not valid', 'The connection request is too long.', 400);
    const attempt = {
      redirectUri: `${deps.baseUrl}/login/${provider.id}/callback`,
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      codeVerifier: oauth.generateRandomCodeVerifier(),
    };
    let destination: URL;
    try {
      destination = await provider.authorizationUrl(attempt, await oauth.calculatePKCECodeChallenge(attempt.codeVerifier));
    } catch (error) {
      if (error instanceof UpstreamLoginFailed) return failed(c, `${provider.label} is unavailable`, error.message, 502);
      throw error;
    }
    await deps.state.save(c, { ...attempt, provider: provider.id, request });
    return c.redirect(destination.href, 303);
  });

  app.get('/login/:provider/callback', async (c) => {
    const provider = providerFor(c);
    if (!provider) return c.notFound();
    const pending = await deps.state.take(c, provider.id);
    if (!pending) return failed(c, 'This sign-in has expired', 'It took too long, or it was started in another browser. Sign in again.', 400);
    // The URL the provider redirected to, as registered there (not as a proxy in front of Gatehouse rewrote it).
    const callbackUrl = new URL(`${pending.redirectUri}${new URL(c.req.url).search}`);
    let result;
    try {
      result = await provider.complete(callbackUrl, pending);
    } catch (error) {
      if (!(error instanceof UpstreamLoginFailed)) throw error;
      await deps.audit(c, { type: 'login.failed', detail: { provider: provider.id, reason: error.cancelled ? 'cancelled upstream' : error.message } });
      return failed(c, error.cancelled ? 'Sign-in cancelled' : 'Sign-in failed', error.message, error.cancelled ? 403 : 400);
    }
    const { identity } = result;
    if (!result.admitted) {
      await deps.audit(c, {
        type: 'login.refused',
        detail: { provider: provider.id, subject: identity.subject, username: identity.preferredUsername.slice(0, 64) },
      });
      return failed(
        c,
        'Not allowed',
        `Your ${provider.label} account (${identity.preferredUsername}) may not use this server. Ask its operator to add you.`,
        403,
      );
    }
    const user = await deps.identities.resolve(identity);
    if (user.disabledAt !== null) {
      await deps.audit(c, { type: 'login.refused', userId: user.id, detail: { provider: provider.id, reason: 'user disabled' } });
      return failed(c, 'Not allowed', 'This account is disabled on this server.', 403);
    }
    await deps.vault?.store(provider, user.id, result.tokens);
    await deps.sessions.start(c, user.id);
    await deps.audit(c, { type: 'login.succeeded', userId: user.id, detail: { provider: provider.id } });
    return c.redirect(afterLogin(pending.request), 303);
  });

  return app;
}
