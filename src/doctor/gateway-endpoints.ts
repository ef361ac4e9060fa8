// Gatehouse's gateway serves each upstream server of its SERVERS_FILE at /mcp/<name>, a protected resource of its
// own: Claude given that URL must be challenged with that endpoint's metadata (RFC 9728 §5.1), whose `resource` is
// that URL (§3.3), or it asks for a token for another resource. The doctor only has a URL, so the operator names the
// servers (`--server`).
import { DoctorUsageError } from './address.js';
import { fail, pass, skip, type Finding } from './finding.js';
import { excerpt, fixForUnreachable, jsonObject, reached, type Http } from './http.js';
import { initializeRequest, MCP_POST_HEADERS } from './jsonrpc.js';
import { pathInsertedMetadataUrl } from './resource-metadata.js';
import { bearerChallenge } from './www-authenticate.js';

// The names SERVERS_FILE accepts: one path segment.
const SERVER_NAME = /^[a-zA-Z0-9_-]{1,32}$/;

export const gatewayFindingId = (server: string) => `gateway.${server}`;
export const gatewayTitle = (server: string) => `/mcp/${server} answers 401 naming its own protected-resource metadata`;

/** Throws DoctorUsageError for a name that cannot be a server's. */
export function checkServerName(server: string): string {
  if (!SERVER_NAME.test(server)) throw new DoctorUsageError(`not a server name (1 to 32 letters, digits, "_" or "-"): ${server}`);
  return server;
}

/** `/mcp/<name>` beside the MCP URL given: at the origin, or under the same path prefix. */
export function gatewayEndpoint(mcpUrl: URL, server: string): URL {
  const prefix = mcpUrl.pathname.replace(/\/mcp(\/[^/]*)?\/?$/, '').replace(/\/$/, '');
  return new URL(`${mcpUrl.origin}${prefix}/mcp/${server}`);
}

export const skippedGateway = (servers: readonly string[], reason: string): Finding[] =>
  servers.map((server) => skip(gatewayFindingId(server), gatewayTitle(server), `skipped: ${reason}`));

export async function checkGatewayEndpoint(http: Http, mcpUrl: URL, server: string): Promise<Finding> {
  const id = gatewayFindingId(server);
  const title = gatewayTitle(server);
  const endpoint = gatewayEndpoint(mcpUrl, server);
  const expected = pathInsertedMetadataUrl(endpoint);
  const challengeFix = `answer requests to ${endpoint.href} without a valid token with 401 and WWW-Authenticate: Bearer resource_metadata="${expected.href}"`;

  const reply = await http.request(endpoint, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify(initializeRequest(1)) });
  if (!reached(reply)) return fail(id, title, reply.problem, fixForUnreachable(reply));
  const said = excerpt(reply.body, 120);
  if (reply.status === 404)
    return fail(
      id,
      title,
      `404: no server ${server} at ${endpoint.pathname}`,
      `check the name: it is the server's key under "mcpServers" in SERVERS_FILE, not "disabled"`,
    );
  if (reply.status >= 200 && reply.status < 300)
    return fail(id, title, `answered initialize with ${reply.status} without a token: anyone can use ${server}`, challengeFix);
  if (reply.status !== 401) return fail(id, title, `${reply.status} to an unauthenticated initialize${said && `: ${said}`}`, challengeFix);
  const header = reply.headers.get('www-authenticate');
  const named = bearerChallenge(header)?.params.resource_metadata;
  if (!named) return fail(id, title, header ? `401 with ${header}, naming no resource_metadata` : '401 without a WWW-Authenticate header', challengeFix);
  if (named !== expected.href)
    return fail(id, title, `the challenge names ${named}, not ${expected.href}: Claude would ask for a token for another resource`, challengeFix);

  const document = await http.get(expected, { accept: 'application/json' });
  const documentFix = `serve {"resource": "${endpoint.href}", "authorization_servers": ["<issuer>"]} at ${expected.href}`;
  if (!reached(document)) return fail(id, title, `its metadata: ${document.problem}`, fixForUnreachable(document));
  if (document.status !== 200) return fail(id, title, `${expected.pathname} answered ${document.status}`, documentFix);
  const body = jsonObject(document.body);
  if (!body) return fail(id, title, `${expected.pathname} is not a JSON object: ${excerpt(document.body, 100)}`, documentFix);
  if (body.resource !== endpoint.href)
    return fail(
      id,
      title,
      `${expected.pathname} names the resource ${typeof body.resource === 'string' ? body.resource : '(none)'}, not ${endpoint.href}`,
      `${documentFix} (RFC 9728 §3.3: clients reject any other resource)`,
    );
  return pass(id, title, `401 naming ${expected.pathname}, whose resource is ${endpoint.href}`);
}
