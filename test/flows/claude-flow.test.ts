// Claude.ai's connection, step by step, with plain fetch: discovery → registration → sign-in and consent →
// token → MCP, then the same token in the 2026-07-28 era; for a connector URL that is /mcp or the bare origin.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signInAndDecide } from '../helpers/browser.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, mcpPost, pkce, tokenRequest } from '../helpers/oauth.js';

for (const connector of ['/mcp', 'the bare origin'] as const)
  describe(`Claude.ai connects end to end, by hand, at ${connector}`, () => {
    let gh: TestGatehouse;
    let accessToken = '';
    /** The URL the user gives Claude, which is also the resource its token is for. */
    let mcpUrl = '';
    before(async () => {
      gh = await startGatehouse();
      mcpUrl = connector === '/mcp' ? gh.mcpUrl : gh.baseUrl;
    });
    after(() => gh.close());

    it('walks discovery, registration, authorization, token and MCP calls (2025 initialize era)', async () => {
      // 1. Claude POSTs to the MCP URL without a token and reads the challenge.
      const challenge = await mcpPost(mcpUrl, { jsonrpc: '2.0', id: 0, method: 'initialize', params: {} });
      assert.equal(challenge.status, 401);
      const wwwAuthenticate = challenge.headers.get('www-authenticate')!;
      const prmUrl = /resource_metadata="([^"]+)"/.exec(wwwAuthenticate)![1]!;
      assert.equal(prmUrl, `${gh.baseUrl}/.well-known/oauth-protected-resource${connector === '/mcp' ? '/mcp' : ''}`);

      // 2. Protected resource metadata → authorization server metadata.
      const prm = await (await fetch(prmUrl)).json();
      assert.equal(prm.resource, mcpUrl);
      const asUrl = `${prm.authorization_servers[0]}/.well-known/oauth-authorization-server`;
      const as = await (await fetch(asUrl)).json();
      assert.equal(as.issuer, gh.baseUrl);

      // 3. Dynamic client registration with Claude's exact body.
      const registration = await fetch(as.registration_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CLAUDE_REGISTRATION),
      });
      assert.equal(registration.status, 201);
      const client = await registration.json();
      assert.ok(client.client_id && client.client_secret);

      // 4. The browser goes to /authorize; the user signs in and approves.
      const { verifier, challenge: codeChallenge } = pkce();
      const authorize = new URL(as.authorization_endpoint);
      for (const [key, value] of Object.entries({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        state: 'claude-state',
        scope: 'mcp:tools mcp:resources mcp:prompts',
        resource: mcpUrl,
      }))
        authorize.searchParams.set(key, value);
      const callback = await signInAndDecide(authorize);
      assert.equal(callback.origin + callback.pathname, 'https://claude.ai/api/mcp/auth_callback');
      assert.equal(callback.searchParams.get('state'), 'claude-state');
      assert.equal(callback.searchParams.get('iss'), gh.baseUrl);
      const code = callback.searchParams.get('code')!;

      // 5. Code → tokens, with PKCE and client_secret_post.
      const tokenResponse = await tokenRequest(gh, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
        client_id: client.client_id,
        client_secret: client.client_secret,
        resource: mcpUrl,
      });
      assert.equal(tokenResponse.status, 200);
      assert.equal(tokenResponse.headers.get('cache-control'), 'no-store');
      const tokens = await tokenResponse.json();
      assert.equal(tokens.token_type, 'Bearer');
      assert.equal(tokens.expires_in, 3600);
      assert.equal(tokens.scope, 'mcp:tools mcp:resources mcp:prompts');
      assert.ok(tokens.refresh_token);

      // 6. MCP with the bearer token: initialize, tools/list, tools/call.
      const init = await mcpPost(
        mcpUrl,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'claude-ai', version: '0.1.0' } },
        },
        tokens.access_token,
      );
      assert.equal(init.status, 200);
      const initialized = await jsonRpcResult(init);
      assert.equal(initialized.result.serverInfo.name, 'gatehouse');

      const list = await jsonRpcResult(
        await mcpPost(mcpUrl, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, tokens.access_token, { 'mcp-protocol-version': '2025-06-18' }),
      );
      const names = list.result.tools.map((tool: { name: string }) => tool.name).sort();
      assert.deepEqual(names, ['notes_create', 'notes_delete', 'notes_list', 'notes_search', 'whoami']);

      const call = await jsonRpcResult(
        await mcpPost(mcpUrl, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, tokens.access_token),
      );
      assert.equal(call.result.structuredContent.username, 'admin');
      assert.equal(call.result.structuredContent.client_id, client.client_id);
      accessToken = tokens.access_token;
    });

    it('serves the same token in the 2026-07-28 era: server/discover, tools/list, tools/call', async () => {
      assert.ok(accessToken, 'the first test obtained a token');
      const envelope = {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'hand-written', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      };
      const modern = (id: number, method: string, params: Record<string, unknown> = {}, name?: string) =>
        mcpPost(mcpUrl, { jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope } }, accessToken, {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          ...(name && { 'mcp-name': name }),
        });

      const discover = await jsonRpcResult(await modern(1, 'server/discover'));
      assert.deepEqual(discover.result.supportedVersions, ['2026-07-28']);
      assert.equal(discover.result._meta['io.modelcontextprotocol/serverInfo'].name, 'gatehouse');

      const list = await jsonRpcResult(await modern(2, 'tools/list'));
      assert.ok(list.result.tools.some((tool: { name: string }) => tool.name === 'whoami'));

      const call = await jsonRpcResult(await modern(3, 'tools/call', { name: 'whoami', arguments: {} }, 'whoami'));
      assert.equal(call.result.structuredContent.username, 'admin');
    });

    it('tolerates what Claude sometimes leaves out: Accept with JSON only, no MCP-Protocol-Version, no session', async () => {
      const response = await fetch(mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
      });
      assert.equal(response.status, 200);
      assert.equal((await jsonRpcResult(response)).result.structuredContent.username, 'admin');
    });
  });
