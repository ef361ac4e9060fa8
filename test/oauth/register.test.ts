// RFC 7591 dynamic client registration: what is accepted, what is refused, and that refusals store nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

describe('dynamic client registration', () => {
  let gh: TestGatehouse;
  const clientCount = async () =>
    Number(
      (
        await gh.gatehouse.storage.db
          .selectFrom('clients')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('registers Claude with its exact request and answers 201 with a secret stored only as a hash', async () => {
    const response = await gh.register(CLAUDE_REGISTRATION);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const client = await response.json();
    assert.equal(typeof client.client_id, 'string');
    assert.equal(typeof client.client_secret, 'string');
    assert.equal(client.client_secret_expires_at, 0);
    assert.equal(typeof client.client_id_issued_at, 'number');
    assert.deepEqual(client.redirect_uris, CLAUDE_REGISTRATION.redirect_uris);
    assert.equal(client.token_endpoint_auth_method, 'client_secret_post');
    assert.deepEqual(client.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(client.client_name, 'Claude');

    const row = await gh.gatehouse.storage.db.selectFrom('clients').selectAll().where('client_id', '=', client.client_id).executeTakeFirstOrThrow();
    assert.notEqual(row.secret_hash, client.client_secret);
    assert.ok(!JSON.stringify(row).includes(client.client_secret), 'the plain secret is not stored');
  });

  it('registers a public client (none) without a secret', async () => {
    const response = await gh.register({ redirect_uris: ['http://127.0.0.1:33418/callback'], token_endpoint_auth_method: 'none', client_name: 'VS Code' });
    assert.equal(response.status, 201);
    const client = await response.json();
    assert.equal(client.client_secret, undefined);
    assert.equal(client.token_endpoint_auth_method, 'none');
  });

  it('accepts the redirect URIs real clients use', async () => {
    for (const uri of [
      'https://claude.com/api/mcp/auth_callback',
      'https://chatgpt.com/connector_platform_oauth_redirect',
      'http://localhost:6274/oauth/callback',
      'http://127.0.0.1:6276/oauth/callback',
      'http://[::1]:8080/cb',
      'cursor://anysphere.cursor-mcp/oauth/callback',
      'https://vscode.dev/redirect',
    ]) {
      const response = await gh.register({ redirect_uris: [uri], token_endpoint_auth_method: 'none', application_type: 'web' });
      assert.equal(response.status, 201, uri);
    }
  });

  const refusals: [string, object, string][] = [
    ['http on a public host', { redirect_uris: ['http://evil.example/cb'] }, 'invalid_redirect_uri'],
    ['a javascript: URI', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
    ['a data: URI', { redirect_uris: ['data:text/html,hi'] }, 'invalid_redirect_uri'],
    ['a fragment', { redirect_uris: ['https://app.example/cb#frag'] }, 'invalid_redirect_uri'],
    ['a relative URI', { redirect_uris: ['/callback'] }, 'invalid_redirect_uri'],
    ['no redirect URI', { client_name: 'x' }, 'invalid_redirect_uri'],
    ['an empty list', { redirect_uris: [] }, 'invalid_redirect_uri'],
    ['a non-string redirect URI', { redirect_uris: [42] }, 'invalid_redirect_uri'],
    ['an unknown auth method', { redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
    ['an unsupported grant type', { redirect_uris: ['https://a.example/cb'], grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
    ['a non-code response type', { redirect_uris: ['https://a.example/cb'], response_types: ['token'] }, 'invalid_client_metadata'],
    ['a javascript: logo', { redirect_uris: ['https://a.example/cb'], logo_uri: 'javascript:alert(1)' }, 'invalid_client_metadata'],
    ['only unknown scopes', { redirect_uris: ['https://a.example/cb'], scope: 'admin' }, 'invalid_client_metadata'],
  ];
  for (const [name, body, error] of refusals) {
    it(`refuses ${name} with ${error} and stores nothing`, async () => {
      const before = await clientCount();
      const response = await gh.register(body);
      assert.equal(response.status, 400);
      const answer = await response.json();
      assert.equal(answer.error, error);
      assert.equal(typeof answer.error_description, 'string');
      assert.equal(await clientCount(), before);
    });
  }

  it('refuses bodies that are not a JSON object', async () => {
    for (const [type, body] of [
      ['application/json', '{not json'],
      ['application/json', '[1,2]'],
      ['application/x-www-form-urlencoded', 'redirect_uris=https://a.example/cb'],
    ] as const) {
      const response = await gh.fetch('/register', { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(response.status, 400, body);
      assert.equal((await response.json()).error, 'invalid_client_metadata');
    }
  });

  it('refuses oversized bodies with 413 rather than reading them', async () => {
    const response = await gh.register({ redirect_uris: ['https://a.example/cb'], client_name: 'x'.repeat(100_000) });
    assert.equal(response.status, 413);
  });

  it('answers at the /oauth/register alias too', async () => {
    const response = await gh.fetch('/oauth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(CLAUDE_REGISTRATION),
    });
    assert.equal(response.status, 201);
  });
});
