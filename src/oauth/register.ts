// RFC 7591 dynamic client registration at /register, and RFC 7592 management of the registered client at
// /register/{client_id} (read, update, delete) with the registration access token issued alongside it.
import { Hono, type Context } from 'hono';
import type { Audit } from '../audit.js';
import { randomToken, safeEqual, sha256 } from '../crypto.js';
import type { Client, ClientMetadata, ClientsRepository } from '../storage/index.js';
import { parseClientMetadata, REGISTRATION_RULES } from './client-metadata.js';
import { InvalidClientMetadata, InvalidToken } from '../errors.js';
import type { KnownClients } from './known-clients.js';
import { enforceRegistrationPolicy, type RegistrationPolicy } from './registration-policy.js';

export interface RegisterDeps {
  clients: ClientsRepository;
  issuer: string;
  policy: RegistrationPolicy;
  /** The names a registration may not borrow. */
  knownClients: Pick<KnownClients, 'impersonatedBy'>;
  audit: Audit;
}

const MANAGEMENT_FIELDS = ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'];

/**
 * A random client id that starts with a letter or digit: one starting with "-" would read as an option on a command
 * line (`gatehouse clients show -x…`), and people copy these ids into commands.
 */
function newClientId(): string {
  const id = randomToken(16);
  return /^[A-Za-z0-9]/.test(id) ? id : newClientId();
}

export function registrationRoutes(deps: RegisterDeps) {
  const app = new Hono();
  const clientUri = (clientId: string) => `${deps.issuer}/register/${encodeURIComponent(clientId)}`;
  const describe = (client: Client) => ({
    client_id: client.clientId,
    client_id_issued_at: Math.floor(client.createdAt / 1000),
    ...(client.secretHash && { client_secret_expires_at: 0 }),
    registration_client_uri: clientUri(client.clientId),
    ...client.metadata,
  });

  app.post('/', async (c) => {
    const metadata = parseClientMetadata(await readJson(c.req.raw), REGISTRATION_RULES);
    enforceRegistrationPolicy(metadata, deps.policy);
    await refuseBorrowedName(metadata, deps.knownClients);
    c.header('Cache-Control', 'no-store');
    // Every registration gets a client of its own, even an identical one: Claude's users share Anthropic's addresses
    // and send the same body, so a repeat answered with the earlier client would hand over its secret. The clients
    // Claude leaves behind are swept once unused (housekeeping).

    const secret = metadata.token_endpoint_auth_method.startsWith('client_secret') ? randomToken(32) : undefined;
    const registrationToken = randomToken(32);
    const client: Client = {
      clientId: newClientId(),
      kind: 'dynamic',
      secretHash: secret ? sha256(secret) : null,
      metadata,
      createdAt: Date.now(),
      registrationTokenHash: sha256(registrationToken),
    };
    await deps.clients.create(client);
    await deps.audit(c, {
      type: 'client.registered',
      clientId: client.clientId,
      detail: { clientName: metadata.client_name ?? null, redirectUris: metadata.redirect_uris },
    });
    const body = { ...describe(client), ...(secret && { client_secret: secret }), registration_access_token: registrationToken };
    return c.json(body, 201);
  });

  app.get('/:clientId', async (c) => {
    const client = await authorizeManagement(c, deps.clients);
    c.header('Cache-Control', 'no-store');
    return c.json(describe(client));
  });

  app.put('/:clientId', async (c) => {
    const client = await authorizeManagement(c, deps.clients);
    const body = await readJson(c.req.raw);
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (request.client_id !== client.clientId) throw new InvalidClientMetadata('client_id must be present and match the client being updated');
    const forbidden = MANAGEMENT_FIELDS.filter((field) => field in request);
    if (forbidden.length > 0) throw new InvalidClientMetadata(`${forbidden.join(', ')} cannot be sent in an update (RFC 7592 §2.2)`);
    if (
      request.client_secret !== undefined &&
      !(client.secretHash && typeof request.client_secret === 'string' && safeEqual(sha256(request.client_secret), client.secretHash))
    ) {
      throw new InvalidClientMetadata('client_secret does not match the one issued');
    }
    const { client_id: _id, client_secret: _secret, ...fields } = request;
    const metadata: ClientMetadata = parseClientMetadata(fields, REGISTRATION_RULES);
    if (metadata.token_endpoint_auth_method !== client.metadata.token_endpoint_auth_method) {
      throw new InvalidClientMetadata('token_endpoint_auth_method cannot change; register a new client instead');
    }
    enforceRegistrationPolicy(metadata, deps.policy.mode === 'closed' ? { ...deps.policy, mode: 'open' } : deps.policy);
    await refuseBorrowedName(metadata, deps.knownClients);
    await deps.clients.updateMetadata(client.clientId, metadata, Date.now());
    await deps.audit(c, { type: 'client.updated', clientId: client.clientId, detail: { redirectUris: metadata.redirect_uris } });
    c.header('Cache-Control', 'no-store');
    return c.json(describe({ ...client, metadata }));
  });

  app.delete('/:clientId', async (c) => {
    const client = await authorizeManagement(c, deps.clients);
    const revoked = (await deps.clients.delete(client.clientId)) ?? [];
    await deps.audit(c, { type: 'client.deleted', clientId: client.clientId, detail: { grantsRevoked: revoked.length } });
    return c.body(null, 204);
  });

  return app;
}

/** A name that is a known client's is only for a registration whose redirect URIs are all that client's own. */
async function refuseBorrowedName(metadata: ClientMetadata, known: Pick<KnownClients, 'impersonatedBy'>): Promise<void> {
  const impersonated = await known.impersonatedBy(metadata);
  if (impersonated) {
    throw new InvalidClientMetadata(
      `client_name "${metadata.client_name}" is the name of ${impersonated.name}, and these redirect URIs are not ${impersonated.name}'s: choose a name of your own`,
    );
  }
}

/** The dynamically registered client the request's registration access token belongs to (RFC 7592 §2). */
async function authorizeManagement(c: Context, clients: ClientsRepository): Promise<Client> {
  const token = /^Bearer +(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const client = await clients.find(c.req.param('clientId') ?? '');
  // Unknown client and wrong token answer alike, so the endpoint reveals nothing about which clients exist.
  if (!token || !client?.registrationTokenHash || !safeEqual(sha256(token), client.registrationTokenHash)) {
    throw new InvalidToken('the registration access token is missing or not valid for this client', {
      reason: 'registration_token',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  return client;
}

async function readJson(request: Request): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidClientMetadata('the registration request must be application/json');
  try {
    return JSON.parse(await request.text());
  } catch {
    throw new InvalidClientMetadata('the registration request is not valid JSON');
  }
}
