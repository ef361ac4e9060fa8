// A small MCP server with an OAuth authorization server, on plain node:http, that does everything Claude needs,
// unless told to break one thing. Each broken-server test breaks exactly one thing, so the doctor's finding for
// that thing is the only one that can change.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GOOD_TOKEN = 'fake-access-token';

export interface FakeOptions {
  /** Status of both protected-resource metadata documents; 200 serves them. */
  prmStatus?: number;
  /** Status of the root protected-resource metadata document only. */
  rootPrmStatus?: number;
  /** The issuer the authorization-server metadata states, from the base URL. */
  issuer?: (base: string) => string;
  /** code_challenge_methods_supported; null leaves it out. */
  codeChallengeMethods?: string[] | null;
  /** Access-Control-Expose-Headers on responses to browsers; null leaves it out. */
  exposeHeaders?: string | null;
  /** The WWW-Authenticate header of the 401; null leaves it out. */
  challenge?: ((base: string) => string) | null;
  cimd?: boolean;
  registration?: boolean;
  /** Answer registration with a client issued earlier (as servers that recognise a repeated registration do). */
  repeatRegistration?: boolean;
  /** What /authorize does: show a sign-in page, or send Claude back with an error. */
  authorize?: 'sign-in' | { error: string; description: string };
  eras?: ('2025' | '2026')[];
  /** Answer tools/list as an event stream rather than JSON. */
  eventStream?: boolean;
  /**
   * Hold MCP requests to the spec's letter, as many servers do: headers must agree with the body and be present, and
   * 2025-era requests need their session. Claude's 2026 requests then fail.
   */
  strictHeaders?: boolean;
}

export interface FakeServer {
  base: string;
  mcpUrl: string;
  /** Every request received, as "METHOD /path". */
  requests: string[];
  /** Registered clients still present. */
  clients: Set<string>;
  close(): Promise<void>;
}

export async function startFakeServer(options: FakeOptions = {}): Promise<FakeServer> {
  const requests: string[] = [];
  const clients = new Set<string>();
  let base = '';
  const eras = options.eras ?? ['2025', '2026'];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, base);
    requests.push(`${req.method} ${url.pathname}`);
    const body = await readBody(req);
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      if (options.exposeHeaders !== null) res.setHeader('access-control-expose-headers', options.exposeHeaders ?? 'WWW-Authenticate, Mcp-Session-Id');
    }
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };

    if (url.pathname.startsWith('/.well-known/oauth-protected-resource')) {
      const status =
        url.pathname === '/.well-known/oauth-protected-resource' ? (options.rootPrmStatus ?? options.prmStatus ?? 200) : (options.prmStatus ?? 200);
      if (status !== 200) return json(status, { error: 'unauthorized' });
      return json(200, { resource: `${base}/mcp`, authorization_servers: [base], scopes_supported: ['tools'] });
    }
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: options.issuer ? options.issuer(base) : base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        ...(options.registration !== false && { registration_endpoint: `${base}/register` }),
        response_types_supported: ['code'],
        ...(options.codeChallengeMethods !== null && { code_challenge_methods_supported: options.codeChallengeMethods ?? ['S256'] }),
        token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
        ...(options.cimd !== false && { client_id_metadata_document_supported: true }),
      });
    }
    if (url.pathname === '/register' && req.method === 'POST') {
      const now = Math.floor(Date.now() / 1000);
      const [id, issued] = options.repeatRegistration ? ['client-0', now - 30] : [`client-${clients.size + 1}`, now];
      clients.add(id);
      return json(201, {
        ...JSON.parse(body),
        client_id: id,
        client_id_issued_at: issued,
        client_secret: 'secret',
        registration_client_uri: `${base}/register/${id}`,
        registration_access_token: `rat-${id}`,
      });
    }
    if (url.pathname.startsWith('/register/') && req.method === 'DELETE') {
      const id = url.pathname.slice('/register/'.length);
      if (req.headers.authorization !== `Bearer rat-${id}` || !clients.delete(id)) return json(401, { error: 'invalid_token' });
      return res.writeHead(204).end();
    }
    if (url.pathname === '/authorize') {
      const authorize = options.authorize ?? 'sign-in';
      if (authorize === 'sign-in') return res.writeHead(302, { location: '/login' }).end();
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('error', authorize.error);
      back.searchParams.set('error_description', authorize.description);
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/login') return res.writeHead(200, { 'content-type': 'text/html' }).end('<form>sign in</form>');

    if (url.pathname === '/mcp') {
      if (req.method === 'OPTIONS') {
        return res
          .writeHead(204, {
            'access-control-allow-methods': 'POST, GET, DELETE',
            'access-control-allow-headers': 'Authorization, Content-Type, MCP-Protocol-Version, Mcp-Session-Id',
          })
          .end();
      }
      if (req.headers.authorization !== `Bearer ${GOOD_TOKEN}`) {
        const challenge =
          options.challenge === undefined
            ? `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp", scope="tools"`
            : options.challenge?.(base);
        return json(401, { error: 'unauthorized' }, challenge ? { 'www-authenticate': challenge } : {});
      }
      if (req.method === 'DELETE') return res.writeHead(204).end();
      return answerMcp(JSON.parse(body), req, res, eras, options);
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    mcpUrl: `${base}/mcp`,
    requests,
    clients,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TOOLS = [
  { name: 'echo', inputSchema: { type: 'object' } },
  { name: 'time', inputSchema: { type: 'object' } },
];

type McpMessage = { id?: number; method: string; params?: { name?: string; _meta?: Record<string, unknown> } };

/** The era comes from the body, as a server serving Claude reads it; with `strictHeaders`, the headers must agree too. */
function answerMcp(message: McpMessage, req: IncomingMessage, res: ServerResponse, eras: string[], options: FakeOptions) {
  const claim = message.params?._meta?.['io.modelcontextprotocol/protocolVersion'];
  const header = req.headers['mcp-protocol-version'];
  const reply = (result: unknown) => {
    const payload = JSON.stringify({ jsonrpc: '2.0', id: message.id, result });
    if (options.eventStream) return res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`event: message\ndata: ${payload}\n\n`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(payload);
  };
  const refuse = (text: string, code = -32600) =>
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id ?? null, error: { code, message: text } }));

  if (claim !== undefined) {
    if (!eras.includes('2026') || claim !== '2026-07-28') return refuse('unsupported protocol version');
    if (req.headers['mcp-method'] !== undefined && req.headers['mcp-method'] !== message.method) return refuse('Mcp-Method does not match the body', -32020);
    if (options.strictHeaders && (header !== claim || req.headers['mcp-method'] === undefined)) return refuse('the request headers and body disagree', -32020);
    if (options.strictHeaders && message.method === 'tools/call' && req.headers['mcp-name'] !== message.params?.name)
      return refuse('Mcp-Name does not match the body', -32020);
    if (message.method === 'server/discover')
      return reply({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1' } });
    if (message.method === 'tools/list') return reply({ tools: TOOLS });
    if (message.method === 'tools/call')
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32602, message: 'unknown tool' } }));
    return refuse('unknown method');
  }
  if (!eras.includes('2025')) return refuse('initialize is not supported: use 2026-07-28');
  if (options.strictHeaders && header === '2026-07-28') return refuse('missing the required per-request envelope', -32602);
  if (message.method === 'initialize') {
    res.setHeader('mcp-session-id', 'session-1');
    return reply({ protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1' } });
  }
  if (options.strictHeaders && req.headers['mcp-session-id'] !== 'session-1') return refuse('missing session');
  if (message.method === 'notifications/initialized') return res.writeHead(202).end();
  if (message.method === 'tools/list') return reply({ tools: TOOLS });
  return refuse('unknown method');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req
      .setEncoding('utf8')
      .on('data', (chunk: string) => (text += chunk))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}
