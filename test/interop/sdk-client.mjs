// The official TypeScript SDK's client (@modelcontextprotocol/sdk 1.x, pinned in interop/), run by Node.js 22 as a
// desktop app embeds it: a public client on a loopback redirect. It prints the authorization URL, takes the code on
// its own listener, reconnects, lists tools and calls one, then prints what it saw as one JSON line.
//   node sdk-client.mjs <mcp-url> <callback-port> <tool> [<arguments as JSON>]
import { createServer } from 'node:http';
// The copy interop/ installed, not the one the main project's dependencies happen to pull in.
import { UnauthorizedError } from '../../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/client/auth.js';
import { Client } from '../../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StreamableHTTPClientTransport } from '../../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js';

const [url, port, tool, args = '{}'] = process.argv.slice(2);
const redirectUrl = `http://127.0.0.1:${port}/callback`;

let information;
let tokens;
let verifier = '';
const provider = {
  redirectUrl,
  clientMetadata: {
    redirect_uris: [redirectUrl],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    client_name: 'MCP SDK interop client',
  },
  clientInformation: () => information,
  saveClientInformation: (saved) => (information = saved),
  tokens: () => tokens,
  saveTokens: (saved) => (tokens = saved),
  redirectToAuthorization: (authorizationUrl) => console.error(`Please authorize: ${authorizationUrl}`),
  saveCodeVerifier: (saved) => (verifier = saved),
  codeVerifier: () => verifier,
};

// Every request the SDK sends, so the test can see which metadata it discovered.
const requests = [];
const recordingFetch = async (input, init) => {
  const response = await fetch(input, init);
  requests.push(`${init?.method ?? 'GET'} ${input instanceof Request ? input.url : String(input)} ${response.status}`);
  return response;
};

const code = new Promise((resolve, reject) => {
  const listener = createServer((request, response) => {
    const callback = new URL(request.url, redirectUrl);
    // No keep-alive: a browser's idle connection would hold this process open after it is done.
    response.writeHead(200, { connection: 'close' }).end('You may close this window.');
    listener.close();
    const received = callback.searchParams.get('code');
    if (received) resolve(received);
    else reject(new Error(`authorization failed: ${callback.search}`));
  });
  listener.listen(Number(port), '127.0.0.1');
});

const transport = () => new StreamableHTTPClientTransport(new URL(url), { authProvider: provider, fetch: recordingFetch });
const newClient = () => new Client({ name: 'gatehouse-interop-sdk', version: '1.0.0' });

const first = transport();
try {
  await newClient().connect(first);
  throw new Error('expected the server to ask for authorization');
} catch (error) {
  if (!(error instanceof UnauthorizedError)) throw error;
}
await first.finishAuth(await code);

const connected = transport();
const client = newClient();
await client.connect(connected);
const { tools } = await client.listTools();
const result = await client.callTool({ name: tool, arguments: JSON.parse(args) });
console.log(
  JSON.stringify({
    server: client.getServerVersion(),
    protocolVersion: connected.protocolVersion,
    tools: tools.map((listed) => listed.name),
    result,
    requests,
  }),
);
await client.close();
