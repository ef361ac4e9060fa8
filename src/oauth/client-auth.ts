// Client authentication at the token and revocation endpoints (RFC 6749 §2.3): client_secret_basic,
// client_secret_post, or none for public clients, which still name themselves with client_id.
import { safeEqual, sha256 } from '../crypto.js';
import type { Client, ClientsRepository } from '../storage/index.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import type { OAuthParams } from './params.js';

const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

export class InvalidClientCredentials extends InvalidClient {
  /** RFC 6749 §5.2: a client that tried Basic gets a Basic challenge back. */
  constructor(description: string, readonly challenge?: string) {
    super(description);
  }
}

export async function authenticateClient(params: OAuthParams, request: Request, clients: ClientsRepository): Promise<Client> {
  const basic = parseBasic(request.headers.get('authorization'));
  if (basic && params.client_secret !== undefined) throw new InvalidRequest('use one client authentication method, not two');
  if (basic && params.client_id !== undefined && params.client_id !== basic.clientId) {
    throw new InvalidRequest('client_id differs from the one in the Authorization header');
  }
  const challenge = basic ? BASIC_CHALLENGE : undefined;
  const clientId = basic?.clientId ?? params.client_id;
  const secret = basic?.secret ?? params.client_secret;
  if (!clientId) throw new InvalidClientCredentials('client authentication is required', challenge);

  const client = await clients.find(clientId);
  if (!client) throw new InvalidClientCredentials('unknown client', challenge);

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
    return { clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    throw new InvalidClientCredentials('malformed Basic credentials', BASIC_CHALLENGE);
  }
}
