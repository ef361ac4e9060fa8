// Steps 6 and 7: how Claude gets a client id. With Client ID Metadata Documents advertised (and public clients
// allowed) it uses its metadata URL as the id; otherwise it registers itself (RFC 7591) on every fresh connection.
// The doctor registers exactly as Claude does, then deletes what it registered when the server lets it (RFC 7592).
import { CLAUDE_CIMD_CLIENT_ID, CLAUDE_REGISTRATION } from './claude.js';
import { fail, pass, skip, warn, type Finding } from './finding.js';
import { fixForUnreachable, jsonObject, oauthError, reached, type Http } from './http.js';
import { stringList, type ServerMetadata } from './server-metadata.js';

export const TITLES = {
  cimd: 'Client ID Metadata Documents',
  dcr: 'Dynamic client registration',
  cleanup: 'Test client removed',
};

const NO_WAY_IN =
  `offer a way for Claude to get a client id: advertise "client_id_metadata_document_supported": true with "none" in token_endpoint_auth_methods_supported ` +
  `and accept ${CLAUDE_CIMD_CLIENT_ID}, or open dynamic registration (registration_endpoint), or create a client for redirect URI ` +
  `${CLAUDE_REGISTRATION.redirect_uris[0]} and enter its id and secret in Claude's connector dialog under Advanced settings`;

export interface ClientSetup {
  findings: Finding[];
  /** The client id Claude would use: its metadata URL under CIMD, else the one registered just now. */
  clientId?: string;
  /** Deletes the registered test client; present when one was registered. */
  cleanup?: () => Promise<Finding>;
}

export async function checkClientSetup(http: Http, metadata: ServerMetadata): Promise<ClientSetup> {
  const advertised = metadata.client_id_metadata_document_supported === true;
  // RFC 8414 §2: without the list, the only method is client_secret_basic.
  const methods =
    metadata.token_endpoint_auth_methods_supported === undefined ? ['client_secret_basic'] : stringList(metadata.token_endpoint_auth_methods_supported);
  const cimd = advertised && methods.includes('none');

  const registration = await register(http, metadata.registration_endpoint, cimd);
  const dcrWorks = registration.clientId !== undefined;

  let cimdFinding: Finding;
  if (cimd) cimdFinding = pass('client.cimd', TITLES.cimd, `supported, with public clients: Claude uses ${CLAUDE_CIMD_CLIENT_ID} as its client id`);
  else if (advertised) {
    cimdFinding = (dcrWorks ? warn : fail)(
      'client.cimd',
      TITLES.cimd,
      `client_id_metadata_document_supported is true, but token_endpoint_auth_methods_supported (${methods.join(', ')}) lacks "none": Claude does not use it${dcrWorks ? ' and falls back to dynamic registration' : ''}`,
      dcrWorks ? 'add "none" to token_endpoint_auth_methods_supported so Claude can connect as a public client with its metadata document' : NO_WAY_IN,
    );
  } else if (dcrWorks) {
    cimdFinding = warn(
      'client.cimd',
      TITLES.cimd,
      'not advertised: Claude falls back to dynamic registration, a new client on every connection',
      `advertise "client_id_metadata_document_supported": true with "none" in token_endpoint_auth_methods_supported, and accept ${CLAUDE_CIMD_CLIENT_ID} as a client id`,
    );
  } else cimdFinding = fail('client.cimd', TITLES.cimd, 'not advertised, and dynamic registration does not work either', NO_WAY_IN);

  return {
    findings: [cimdFinding, registration.finding],
    clientId: cimd ? CLAUDE_CIMD_CLIENT_ID : registration.clientId,
    ...(registration.cleanup && { cleanup: registration.cleanup }),
  };
}

async function register(http: Http, endpoint: unknown, cimd: boolean): Promise<{ finding: Finding; clientId?: string; cleanup?: () => Promise<Finding> }> {
  const id = 'client.dcr';
  const title = TITLES.dcr;
  if (endpoint === undefined) {
    if (cimd) return { finding: skip(id, title, 'no registration_endpoint; not needed, Claude uses its metadata document') };
    return { finding: fail(id, title, 'no registration_endpoint advertised', NO_WAY_IN) };
  }
  // With CIMD, Claude does not register: a broken registration endpoint is worth fixing but does not stop it.
  const problem = cimd ? warn : fail;
  let url: URL;
  try {
    url = new URL(String(endpoint));
  } catch {
    return {
      finding: problem(id, title, `registration_endpoint is not a URL: ${String(endpoint)}`, 'advertise the absolute URL of the registration endpoint'),
    };
  }

  const sentAt = Date.now();
  const reply = await http.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(CLAUDE_REGISTRATION),
  });
  if (!reached(reply)) return { finding: problem(id, title, reply.problem, fixForUnreachable(reply)) };
  const body = jsonObject(reply.body);
  const refusal = body ? oauthError(body) : undefined;

  if (reply.status < 200 || reply.status >= 300) {
    const said = refusal ?? `${reply.status}`;
    if (reply.status === 401 || reply.status === 403) {
      const detail = `${reply.status}, registration needs credentials Claude does not have (${said})`;
      return { finding: problem(id, title, detail, `let clients register without an initial access token, or ${NO_WAY_IN}`) };
    }
    if (body?.error === 'invalid_redirect_uri') {
      const fix = `allow ${CLAUDE_REGISTRATION.redirect_uris[0]} (and https://claude.com/api/mcp/auth_callback) as redirect URIs`;
      return { finding: problem(id, title, `refused Claude's redirect URI: ${said}`, fix) };
    }
    return {
      finding: problem(
        id,
        title,
        `${reply.status} to Claude's registration (${said})`,
        `accept this registration and answer 201 with a client_id: ${JSON.stringify(CLAUDE_REGISTRATION)}`,
      ),
    };
  }
  const clientId = typeof body?.client_id === 'string' ? body.client_id : undefined;
  if (!clientId) {
    return {
      finding: problem(id, title, `${reply.status}, but no client_id in the answer`, 'answer a registration with 201 and the new client_id (RFC 7591 §3.2.1)'),
    };
  }

  const age = ageOfRegistration(body!.client_id_issued_at, reply.headers.get('date'), sentAt);
  // A server may answer a repeated registration with the client it issued moments ago (Gatehouse does, per source
  // address): that client may be another connection's, so it is never deleted.
  const cleanup =
    age !== undefined && age > 1
      ? async () =>
          skip(
            'client.cleanup',
            TITLES.cleanup,
            `left client ${clientId} alone: the server answered with a client issued ${age} s earlier, which may belong to another connection`,
          )
      : removal(http, clientId, body!.registration_client_uri, body!.registration_access_token);
  const finding =
    reply.status === 201
      ? pass(id, title, `registered test client ${clientId}`)
      : warn(
          id,
          title,
          `registered test client ${clientId} with ${reply.status}`,
          'answer a successful registration with 201 Created (RFC 7591 §3.2.1); strict clients accept nothing else',
        );
  const kept = async () => skip('client.cleanup', TITLES.cleanup, `test client ${clientId} stays registered: the server offers no way to delete it (RFC 7592)`);
  return { finding, clientId, cleanup: cleanup ?? kept };
}

function removal(http: Http, clientId: string, uri: unknown, token: unknown): (() => Promise<Finding>) | undefined {
  if (typeof uri !== 'string' || typeof token !== 'string') return undefined;
  return async () => {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return warn(
        'client.cleanup',
        TITLES.cleanup,
        `could not delete test client ${clientId}: registration_client_uri is not a URL (${uri})`,
        `delete client ${clientId} on the authorization server by hand`,
      );
    }
    const reply = await http.request(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    if (reached(reply) && reply.status >= 200 && reply.status < 300) {
      return pass('client.cleanup', TITLES.cleanup, `deleted test client ${clientId} through its registration_client_uri (RFC 7592)`);
    }
    const why = reached(reply) ? `${reply.status}` : reply.problem;
    const fix = `delete client ${clientId} on the authorization server by hand; RFC 7592 §2.3 answers DELETE with 204`;
    return warn('client.cleanup', TITLES.cleanup, `could not delete test client ${clientId}: ${why}`, fix);
  };
}

/**
 * Seconds between the client's issue (RFC 7591 client_id_issued_at) and the answer, by the server's own clock
 * (its Date header) when it sends one; undefined when the server does not say when it issued the client.
 */
function ageOfRegistration(issuedAt: unknown, date: string | null, sentAt: number): number | undefined {
  if (typeof issuedAt !== 'number') return undefined;
  const now = date ? Date.parse(date) : NaN;
  return Math.floor((Number.isNaN(now) ? sentAt : now) / 1000) - issuedAt;
}
