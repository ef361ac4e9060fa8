// Client authentication at the token and revocation endpoints (RFC 6749 §2.3): client_secret_basic,
// client_secret_post, private_key_jwt (RFC 7523), or none for public clients, which still name themselves.
import { safeEqual, sha256 } from '../crypto.js';
import type { Client } from '../storage/index.js';
import { ClientAssertions, JWT_BEARER_ASSERTION } from './client-assertion.js';
import type { ClientLookup } from './client-registry.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import type { OAuthParams } from './params.js';

const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

export class InvalidClientCredentials extends InvalidClient {
  /** RFC 6749 §5.2: a client that tried Basic gets a Basic challenge back. */
  constructor(
    description: string,
    readonly challenge?: string,
  ) {
    super(description);
  }
}

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
  const challenge = basic ? BASIC_CHALLENGE : undefined;
  const clientId = basic?.clientId ?? params.client_id ?? (assertion && ClientAssertions.claimedClientId(assertion));
  if (!clientId) throw new InvalidClientCredentials('client authentication is required', challenge);

  const client = await clients.find(clientId);
  if (!client) throw new InvalidClientCredentials('unknown client', challenge);

  const method = client.metadata.token_endpoint_auth_method;
  if (method === 'private_key_jwt') {
    if (assertion === undefined) throw new InvalidClientCredentials('this client must authenticate with a private_key_jwt client assertion');
    await assertions.verify(client, assertion);
    return client;
  }
  if (assertion !== undefined) throw new InvalidClientCredentials('this client does not authenticate with client assertions');
  const secret = basic?.secret ?? params.client_secret;
  if (client.secretHash === null) {
    if (secret !== undefined) throw new InvalidClientCredentials('this client is public and has no secret', challenge);
    return client;
  }
  if (secret === undefined) throw new InvalidClientCredentials('this client must authenticate with its client_secret', challenge);
  if (!safeEqual(sha256(secret), client.secretHash)) throw new InvalidClientCredentials('client authentication failed', challenge);
  return client;
}

function parseBasic(header: string | null): { clientId: string; secret: string } | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClientCredentials('malformed Basic credentials', BASIC_CHALLENGE);
  try {
    // RFC 6749 §2.3.1: both halves are form-urlencoded before being joined.
    const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    throw new InvalidClientCredentials('malformed Basic credentials', BASIC_CHALLENGE);
  }
}
