// GET/POST /consent: the signed-in user sees who asks for what and approves or denies. Approval mints a single-use
// authorization code bound to the client, redirect URI, PKCE challenge, resource, scopes and user.
import { Hono, type Context } from 'hono';
import type { Audit } from '../audit.js';
import type { Clock } from '../clock.js';
import { randomToken, sha256 } from '../crypto.js';
import { AccessDenied } from '../errors.js';
import type { CsrfProtection } from '../identity/csrf.js';
import { readForm, refusedForm } from '../identity/forms.js';
import type { SessionManager } from '../identity/sessions.js';
import { ConsentPage } from '../pages/consent.js';
import { ErrorPage } from '../pages/error.js';
import { formTargetFor, sendPage } from '../pages/respond.js';
import type { Client, Storage } from '../storage/index.js';
import { openAuthorizationRequest, redirectWith } from './authorization-request.js';
import type { ClientLookup } from './client-registry.js';
import type { KnownClients } from './known-clients.js';
import { isLoopbackHost } from './redirect-uri.js';

export interface ConsentDeps {
  storage: Pick<Storage, 'codes'>;
  clients: ClientLookup;
  /** Who vouches for each client's name. */
  knownClients: Pick<KnownClients, 'trustOf'>;
  sessions: SessionManager;
  csrf: CsrfProtection;
  audit: Audit;
  issuer: string;
  requestKey: Uint8Array;
  authCodeTtlSeconds: number;
  /** What an authorization code's lifetime starts from. */
  now: Clock;
  /** The gateway's upstream servers a token for `resource` reaches for this user, to name them on the page. */
  serversReached?:
    ((resource: string, user: { id: string; username: string }) => Promise<Array<{ name: string; description?: string | undefined }>>) | undefined;
}

const expired = (c: Context) =>
  sendPage(c, ErrorPage({ title: 'This request has expired', message: 'The connection request is no longer valid.' }), { status: 400 });

/**
 * A logo is shown only for a client identified by its metadata document, and only from that document's own origin:
 * anyone can register a name and a logo, but only the owner of claude.ai can publish at claude.ai.
 */
function trustedLogo(client: Client): string | undefined {
  const logo = client.metadata.logo_uri;
  if (client.kind !== 'metadata_document' || !logo) return undefined;
  return new URL(logo).origin === new URL(client.clientId).origin ? logo : undefined;
}

function isLoopbackRedirect(uri: string): boolean {
  const url = new URL(uri);
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

export function consentRoutes(deps: ConsentDeps) {
  const app = new Hono();

  /** The sealed request with its signed-in user and client, or the page to show instead (sign-in, expiry). */
  async function resume(c: Context, sealed: string | undefined) {
    const request = await openAuthorizationRequest(sealed, deps.requestKey, deps.issuer);
    if (!request || !sealed) return expired(c);
    const user = await deps.sessions.currentUser(c);
    if (!user) return c.redirect(`/login?request=${encodeURIComponent(sealed)}`, 303);
    const client = await deps.clients.find(request.clientId).catch(() => undefined);
    if (!client) return expired(c);
    return { sealed, request, user, client };
  }

  app.get('/consent', async (c) => {
    const pending = await resume(c, c.req.query('request'));
    if (pending instanceof Response) return pending;
    const { sealed, request, user, client } = pending;
    const logoUri = trustedLogo(client);
    const trust = await deps.knownClients.trustOf(client);
    const page = ConsentPage({
      csrf: deps.csrf.tokenFor(c, sealed),
      request: sealed,
      username: user.username,
      clientName: client.metadata.client_name,
      trust: trust.level,
      impersonates: trust.impersonates?.name,
      publisherHost: client.kind === 'metadata_document' ? new URL(client.clientId).host : undefined,
      logoUri,
      redirectHost: new URL(request.redirectUri).host || request.redirectUri,
      loopbackOnly: client.metadata.redirect_uris.every(isLoopbackRedirect),
      scopes: request.scope,
      servers: (await deps.serversReached?.(request.resource, user)) ?? [],
    });
    return sendPage(c, page, { formTarget: formTargetFor(request.redirectUri), imageOrigin: logoUri && new URL(logoUri).origin });
  });

  app.post('/consent', async (c) => {
    const form = await readForm(c);
    // The token was minted for this exact request: a decision cannot be replayed onto another one.
    if (!deps.csrf.verify(c, form.csrf, form.request ?? '')) return refusedForm(c);
    const pending = await resume(c, form.request);
    if (pending instanceof Response) return pending;
    const { request, user } = pending;

    const respond = { state: request.state, iss: deps.issuer };
    if (form.decision === 'deny') {
      await deps.audit(c, { type: 'consent.denied', userId: user.id, clientId: request.clientId, detail: { scope: request.scope.join(' ') } });
      const denied = new AccessDenied('the user denied the request');
      return c.redirect(redirectWith(request.redirectUri, { error: denied.code, error_description: denied.description, ...respond }), 303);
    }
    if (form.decision !== 'approve') return sendPage(c, ErrorPage({ title: 'No decision', message: 'Choose Allow or Deny.' }), { status: 400 });

    const code = randomToken();
    const now = deps.now();
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
    await deps.audit(c, {
      type: 'consent.approved',
      userId: user.id,
      clientId: request.clientId,
      detail: { scope: request.scope.join(' '), resource: request.resource },
    });
    return c.redirect(redirectWith(request.redirectUri, { code, ...respond }), 303);
  });

  return app;
}
