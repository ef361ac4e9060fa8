// GET/POST /consent: the signed-in user sees who asks for what and approves or denies. Approval mints a single-use
// authorization code bound to the client, redirect URI, PKCE challenge, resource, scopes and user.
import { Hono, type Context } from 'hono';
import { randomToken, sha256 } from '../crypto.js';
import type { CsrfProtection } from '../identity/csrf.js';
import { readForm, refusedForm } from '../identity/forms.js';
import type { SessionManager } from '../identity/sessions.js';
import { ConsentPage } from '../pages/consent.js';
import { ErrorPage } from '../pages/error.js';
import { formTargetFor, sendPage } from '../pages/respond.js';
import type { Storage } from '../storage/index.js';
import { openAuthorizationRequest, redirectWith } from './authorization-request.js';

export interface ConsentDeps {
  storage: Pick<Storage, 'clients' | 'codes'>;
  sessions: SessionManager;
  csrf: CsrfProtection;
  issuer: string;
  requestKey: Uint8Array;
  authCodeTtlSeconds: number;
}

const expired = (c: Context) =>
  sendPage(c, ErrorPage({ title: 'This request has expired', message: 'The connection request is no longer valid.' }), { status: 400 });

export function consentRoutes(deps: ConsentDeps) {
  const app = new Hono();

  /** The sealed request with its signed-in user and client, or the page to show instead (sign-in, expiry). */
  async function resume(c: Context, sealed: string | undefined) {
    const request = await openAuthorizationRequest(sealed, deps.requestKey, deps.issuer);
    if (!request || !sealed) return expired(c);
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect(`/login?request=${encodeURIComponent(sealed)}`, 303);
    const client = await deps.storage.clients.find(request.clientId);
    if (!client) return expired(c);
    return { sealed, request, user, client };
  }

  app.get('/consent', async (c) => {
    const pending = await resume(c, c.req.query('request'));
    if (pending instanceof Response) return pending;
    const { sealed, request, user, client } = pending;
    const page = ConsentPage({
      csrf: deps.csrf.tokenFor(c),
      request: sealed,
      username: user.username,
      clientName: client.metadata.client_name,
      redirectHost: new URL(request.redirectUri).host || request.redirectUri,
      scopes: request.scope,
    });
    return sendPage(c, page, { formTarget: formTargetFor(request.redirectUri) });
  });

  app.post('/consent', async (c) => {
    const form = await readForm(c);
    if (!deps.csrf.verify(c, form.csrf)) return refusedForm(c);
    const pending = await resume(c, form.request);
    if (pending instanceof Response) return pending;
    const { request, user } = pending;

    const respond = { state: request.state, iss: deps.issuer };
    if (form.decision === 'deny') {
      const description = 'the user denied the request';
      return c.redirect(redirectWith(request.redirectUri, { error: 'access_denied', error_description: description, ...respond }), 303);
    }
    if (form.decision !== 'approve') return sendPage(c, ErrorPage({ title: 'No decision', message: 'Choose Allow or Deny.' }), { status: 400 });

    const code = randomToken();
    const now = Date.now();
    await deps.storage.codes.create({
      codeHash: sha256(code),
      clientId: request.clientId,
      userId: user.id,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope.join(' '),
      resource: request.resource,
      createdAt: now,
      expiresAt: now + deps.authCodeTtlSeconds * 1000,
    });
    return c.redirect(redirectWith(request.redirectUri, { code, ...respond }), 303);
  });

  return app;
}
