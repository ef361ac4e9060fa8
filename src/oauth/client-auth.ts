// Client authentication at the token and revocation endpoints (RFC 6749 §2.3): client_secret_basic,
// client_secret_post, private_key_jwt (RFC 7523), or none for public clients, which still name themselves.
import { safeEqual, sha256 } from '../crypto.js';
import type { Client } from '../storage/index.js';
import { ClientAssertions, JWT_BEARER_ASSERTION } from './client-assertion.js';
import type { ClientLookup } from './client-registry.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import type { OAuthParams } from './params.js';

const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

/** RFC 6749 §5.2: a client that tried Basic gets a Basic challenge back. */
const refused = (description: string, triedBasic: boolean) =>
  new InvalidClient(description, triedBasic ? { headers: { 'WWW-Authenticate': BASIC_CHALLENGE } } : {});

export async function authenticateClient(params: OAuthParams, request: Request, clients: ClientLookup, assertions: ClientAssertions): Promise<Client> {
  const basic = parseBasic(request.headers.get('authorization'));
  const assertion = params.client_assertion;
  const methods = [basic, params.client_secret, assertion].filter((method) => method !== undefined).length;
  if (methods > 1) throw new InvalidRequest('use one client authentication method, not two');
  if (basic && params.client_id !== undefined && params.client_id !== basic.clientId) {
    throw new InvalidRequest('client_id differs from the one in the Authorization header');
  }
  if (assertion !== undefined && params.client_assertion_type !== JWT_BEARER_ASSERTION) {
    throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  }
  const triedBasic = basic !== undefined;
  const clientId = basic?.clientId ?? params.client_id ?? (assertion && ClientAssertions.claimedClientId(assertion));
  if (!clientId) throw refused('client authentication is required', triedBasic);

  const client = await clients.find(clientId);
  if (!client) throw refused('unknown client', triedBasic);

  const method = client.metadata.token_endpoint_auth_method;
  if (method === 'private_key_jwt') {
    if (assertion === undefined) throw refused('this client must authenticate with a private_key_jwt client assertion', false);
    await assertions.verify(client, assertion);
    return client;
  }
  if (assertion !== undefined) throw refused('this client does not authenticate with client assertions', false);
  const secret = basic?.secret ?? params.client_secret;
  if (client.secretHash === null) {
    if (secret !== undefined) throw refused('this client is public and has no secret', triedBasic);
    return client;
  }
  if (secret === undefined) throw refused('this client must authenticate with its client_secret', triedBasic);
  if (!safeEqual(sha256(secret), client.secretHash)) throw refused('client authentication failed', triedBasic);
  return client;
}

function parseBasic(header: string | null): { clientId: string; secret: string } | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw refused('malformed Basic credentials', true);
  try {
    // RFC 6749 §2.3.1: both halves are form-urlencoded before being joined.
    const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    throw refused('malformed Basic credentials', true);
  }
}
