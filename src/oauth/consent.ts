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
import type { ConnectingApp } from '../pages/login.js';
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
    | ((
        resource: string,
        user: { id: string; username: string },
      ) => Promise<Array<{ name: string; description?: string | undefined; tools?: string | undefined }>>)
    | undefined;
}

const expired = (c: Context) =>
  sendPage(
    c,
    ErrorPage({
      title: 'This request has expired',
      message: 'A request to connect an app lasts 15 minutes, and this one has run out or was not made by this server.',
      next: 'Go back to the app and connect again: it will send you here with a new request.',
    }),
    { status: 400 },
  );

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

/** Who the client says it is, and who stands behind that: what both the sign-in and the consent page show. */
async function describeClient(client: Client, knownClients: ConsentDeps['knownClients']): Promise<ConnectingApp> {
  const trust = await knownClients.trustOf(client);
  return {
    name: client.metadata.client_name,
    trust: trust.level,
    impersonates: trust.impersonates?.name,
    publisherHost: client.kind === 'metadata_document' ? new URL(client.clientId).host : undefined,
  };
}

/**
 * The app a sealed authorization request comes from, for the sign-in page to name, with the trust the consent page
 * shows (a name the app gave itself is never shown as vouched for). Undefined for a request not ours, or expired.
 */
export function connectingApp(deps: Pick<ConsentDeps, 'clients' | 'knownClients' | 'requestKey' | 'issuer'>) {
  return async (sealed: string): Promise<ConnectingApp | undefined> => {
    const request = await openAuthorizationRequest(sealed, deps.requestKey, deps.issuer);
    const client = request && (await deps.clients.find(request.clientId).catch(() => undefined));
    return client && describeClient(client, deps.knownClients);
  };
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
    const described = await describeClient(client, deps.knownClients);
    const page = ConsentPage({
      csrf: deps.csrf.tokenFor(c, sealed),
      request: sealed,
      username: user.username,
      clientId: client.clientId,
      clientName: described.name,
      trust: described.trust,
      impersonates: described.impersonates,
      publisherHost: described.publisherHost,
      logoUri,
      termsUri: client.metadata.tos_uri,
      policyUri: client.metadata.policy_uri,
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
    if (form.decision !== 'approve') {
      const page = ErrorPage({ title: 'No decision', message: 'The form arrived without Allow or Deny chosen.', next: 'Go back and choose Allow or Deny.' });
      return sendPage(c, page, { status: 400 });
    }

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
