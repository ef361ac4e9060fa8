// Discovery documents: RFC 8414 and RFC 9728 metadata and the JWKS, public, cacheable, CORS-enabled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

describe('discovery', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('serves RFC 8414 metadata whose issuer is exactly BASE_URL', async () => {
    const response = await gh.fetch('/.well-known/oauth-authorization-server');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control')!, /public, max-age=\d+/);
    const metadata = await response.json();
    assert.equal(metadata.issuer, gh.baseUrl);
    assert.ok(!metadata.issuer.endsWith('/'));
    assert.equal(metadata.authorization_endpoint, `${gh.baseUrl}/authorize`);
    assert.equal(metadata.token_endpoint, `${gh.baseUrl}/token`);
    assert.equal(metadata.registration_endpoint, `${gh.baseUrl}/register`);
    assert.equal(metadata.revocation_endpoint, `${gh.baseUrl}/revoke`);
    assert.equal(metadata.jwks_uri, `${gh.baseUrl}/.well-known/jwks.json`);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'refresh_token']);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt']);
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.deepEqual(metadata.scopes_supported, ['mcp:tools', 'mcp:resources', 'mcp:prompts', 'offline_access']);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
  });

  it('serves the same document at /.well-known/openid-configuration', async () => {
    const a = await (await gh.fetch('/.well-known/oauth-authorization-server')).json();
    const b = await (await gh.fetch('/.well-known/openid-configuration')).json();
    assert.deepEqual(b, a);
  });

  it('serves protected resource metadata for each MCP endpoint, the root one naming the origin', async () => {
    for (const [path, resource] of [
      ['/.well-known/oauth-protected-resource', gh.baseUrl],
      ['/.well-known/oauth-protected-resource/mcp', `${gh.baseUrl}/mcp`],
      ['/.well-known/oauth-protected-resource/mcp/streamable', `${gh.baseUrl}/mcp/streamable`],
    ]) {
      const response = await gh.fetch(path!);
      assert.equal(response.status, 200, path);
      assert.deepEqual(await response.json(), {
        resource,
        authorization_servers: [gh.baseUrl],
        scopes_supported: ['mcp:tools', 'mcp:resources', 'mcp:prompts'],
        bearer_methods_supported: ['header'],
        resource_name: 'Gatehouse MCP server',
      });
    }
  });

  it('lets any browser origin read discovery documents, including preflight', async () => {
    const get = await gh.fetch('/.well-known/oauth-protected-resource/mcp', { headers: { origin: 'https://claude.ai' } });
    assert.equal(get.headers.get('access-control-allow-origin'), '*');
    const preflight = await gh.fetch('/.well-known/oauth-authorization-server', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });

  it('publishes an ES256 signing key with a kid and no private part', async () => {
    const { keys } = await (await gh.fetch('/.well-known/jwks.json')).json();
    assert.equal(keys.length, 1);
    const [key] = keys;
    assert.equal(key.kty, 'EC');
    assert.equal(key.crv, 'P-256');
    assert.equal(key.alg, 'ES256');
    assert.equal(typeof key.kid, 'string');
    assert.equal(key.d, undefined);
  });

  it('never puts discovery behind authentication, and answers liveness and readiness', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/oauth-protected-resource', '/.well-known/jwks.json', '/healthz']) {
      assert.equal((await gh.fetch(path, { headers: { authorization: 'Bearer garbage' } })).status, 200, path);
    }
    assert.deepEqual(await (await gh.fetch('/readyz')).json(), { status: 'ready', database: 'ok' });
  });
});
