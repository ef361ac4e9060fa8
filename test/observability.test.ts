// What operators watch: /metrics moves with the traffic it counts, and the logs say who did what (request id,
// route, status, client, user) without ever holding a token, code, secret or password.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/log.js';
import { ADMIN, startGatehouse, type TestGatehouse } from './helpers/gatehouse.js';
import { callTool, obtainTokens, registerClient, tokenRequest, type Tokens } from './helpers/oauth.js';

/** The value of one sample in Prometheus text format, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (wanted.every((label) => labelText.split(',').includes(label))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('observability', () => {
  const lines: string[] = [];
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({}, { logger: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
  });
  after(() => gh.close());

  const metrics = async () => {
    const response = await gh.fetch('/metrics');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /text\/plain/);
    return response.text();
  };

  it('counts requests per route, tokens by grant type, refusals by reason, tool calls by outcome and active grants', async () => {
    const before = await metrics();
    for (let i = 0; i < 3; i++) await gh.fetch('/healthz');
    await gh.fetch('/.well-known/oauth-protected-resource/mcp');
    await gh.fetch('/no/such/path');
    const { tokens, client } = await obtainTokens(gh);
    await tokenRequest(gh, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    await callTool(gh.mcpUrl, tokens.access_token, 'whoami');
    await callTool(gh.mcpUrl, tokens.access_token, 'notes_delete', { id: 'no-such-note' });
    await gh.fetch('/mcp', { method: 'POST' });
    await callTool(gh.mcpUrl, 'not.a.token', 'whoami');
    await tokenRequest(gh, {
      grant_type: 'authorization_code',
      code: 'forged',
      code_verifier: 'x'.repeat(43),
      redirect_uri: client.redirect_uris[0],
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    const after = await metrics();

    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    assert.equal(moved('gatehouse_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }), 3);
    assert.equal(moved('gatehouse_http_request_duration_seconds_count', { method: 'GET', route: '/healthz' }), 3);
    assert.equal(moved('gatehouse_http_requests_total', { route: '/.well-known/oauth-protected-resource/mcp', status: '200' }), 1, 'routes by pattern');
    assert.equal(moved('gatehouse_http_requests_total', { status: '404' }), 1);
    assert.equal(moved('gatehouse_tokens_issued_total', { grant_type: 'authorization_code' }), 1);
    assert.equal(moved('gatehouse_tokens_issued_total', { grant_type: 'refresh_token' }), 1);
    assert.equal(moved('gatehouse_mcp_tool_calls_total', { tool: 'whoami', outcome: 'ok' }), 1);
    assert.equal(moved('gatehouse_mcp_tool_calls_total', { tool: 'notes_delete', outcome: 'error' }), 1);
    assert.equal(moved('gatehouse_auth_failures_total', { reason: 'missing_token' }), 1);
    assert.equal(moved('gatehouse_auth_failures_total', { reason: 'malformed' }), 1);
    assert.equal(moved('gatehouse_oauth_errors_total', { error: 'invalid_grant' }), 1);
    assert.equal(sample(after, 'gatehouse_active_grants'), 1);
    assert.ok(sample(after, 'gatehouse_process_resident_memory_bytes') > 0, 'process figures too');

    await gh.fetch('/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token, client_id: client.client_id, client_secret: client.client_secret! }),
    });
    assert.equal(sample(await metrics(), 'gatehouse_active_grants'), 0);
  });

  it('logs each request with its id, route, status, client and user, and never a secret', async () => {
    lines.length = 0;
    const client = await registerClient(gh);
    const { tokens } = await obtainTokens(gh, { client });
    const refreshed = (await (
      await tokenRequest(gh, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: client.client_id,
        client_secret: client.client_secret,
      })
    ).json()) as Tokens;
    await callTool(gh.mcpUrl, refreshed.access_token, 'whoami');
    await callTool(gh.mcpUrl, `${refreshed.access_token}tampered`, 'whoami');
    await gh.fetch('/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshed.refresh_token, client_id: client.client_id, client_secret: client.client_secret! }),
    });

    const log = lines.join('');
    const secrets = {
      password: ADMIN.password,
      client_secret: client.client_secret!,
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      refreshed_access_token: refreshed.access_token,
      refreshed_refresh_token: refreshed.refresh_token,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!log.includes(secret), `the log holds no ${name}`);
      assert.ok(!log.includes(secret.slice(0, 24)), `nor the start of the ${name}`);
    }
    const codes = [...log.matchAll(/[?&]code=([\w-]{20,})/g)];
    assert.deepEqual(codes, [], 'no authorization code either');

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
    const token = entries.find((entry) => entry.path === '/token' && entry.status === 200)!;
    assert.equal(token.client_id, client.client_id);
    assert.equal(token.route, '/token');
    assert.equal(typeof token.req_id, 'string');
    assert.equal(typeof token.ms, 'number');
    const mcp = entries.find((entry) => entry.path === '/mcp' && entry.status === 200)!;
    assert.equal(mcp.client_id, client.client_id);
    assert.equal(mcp.user_id, (await gh.gatehouse.storage.users.findByUsername(ADMIN.username))!.id);
  });
});

describe('metrics behind a token', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({ METRICS_TOKEN: 'metrics-token-0123456789' });
  });
  after(() => gh.close());

  it('serves /metrics only with METRICS_TOKEN as a bearer token', async () => {
    assert.equal((await gh.fetch('/metrics')).status, 401);
    assert.equal((await gh.fetch('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    const allowed = await gh.fetch('/metrics', { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /gatehouse_http_requests_total/);
  });
});
