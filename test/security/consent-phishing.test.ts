// Consent phishing with a borrowed name: registration is open, so anyone can register a client called "Claude" with
// a redirect URI of their own and send a victim the authorization link. Names Gatehouse knows are refused to any
// registration whose redirect URIs are not that client's, and the consent page says who stands behind a name.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nameKey } from '../../src/oauth/known-clients.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, pkce, registerClient } from '../helpers/oauth.js';
import { census, openConsent, signedInBrowser } from './support.js';

const EVIL_CALLBACK = 'https://claude-ai.evil.example/api/mcp/auth_callback';

describe('consent phishing with a borrowed name', () => {
  let gh: TestGatehouse;
  before(async () => {
    const clientsFile = join(tmpdir(), `gatehouse-phishing-clients-${process.pid}.json`);
    writeFileSync(
      clientsFile,
      JSON.stringify({
        clients: [
          {
            client_id: 'acme-portal',
            client_secret: 'a-secret-of-sixteen-or-more',
            redirect_uris: ['https://portal.acme.example/cb'],
            client_name: 'Acme Portal',
          },
        ],
      }),
    );
    gh = await startGatehouse({ CLIENTS_FILE: clientsFile, REGISTRATION_RATE_LIMIT: '1000' });
  });
  after(() => gh.close());

  it('refuses a registration that takes a known client’s name with a redirect URI of its own, and stores nothing', async () => {
    const before = await census(gh);
    const borrowed: [name: string, redirect: string][] = [
      ['Claude', EVIL_CALLBACK],
      ['claude', EVIL_CALLBACK],
      ['CLAUDE', EVIL_CALLBACK],
      ['C l a u d e', EVIL_CALLBACK],
      ['CIaude', EVIL_CALLBACK],
      ['Claude\u200b', EVIL_CALLBACK],
      ['ＣＬＡＵＤＥ', EVIL_CALLBACK],
      ['Claude', 'https://claude.ai.evil.example/api/mcp/auth_callback'],
      ['Claude Code', 'https://evil.example/callback'],
      ['ChatGPT', 'https://chatgpt.evil.example/connector_platform_oauth_redirect'],
      ['Acme Portal', 'https://evil.example/cb'],
    ];
    for (const [client_name, redirect] of borrowed) {
      const response = await gh.register({ ...CLAUDE_REGISTRATION, client_name, redirect_uris: [redirect] });
      assert.equal(response.status, 400, client_name);
      const body = await response.json();
      assert.equal(body.error, 'invalid_client_metadata');
      assert.match(body.error_description, /is the name of .+ choose a name of your own/);
    }
    // Claude's own callback beside a foreign one is still not Claude.
    const mixed = await gh.register({ ...CLAUDE_REGISTRATION, redirect_uris: [CLAUDE_REGISTRATION.redirect_uris[0]!, EVIL_CALLBACK] });
    assert.equal(mixed.status, 400);
    assert.deepEqual(await census(gh), before);
  });

  it('registers the real clients under their own names', async () => {
    for (const body of [
      CLAUDE_REGISTRATION,
      { ...CLAUDE_REGISTRATION, redirect_uris: ['https://claude.com/api/mcp/auth_callback'] },
      { client_name: 'Claude Code', redirect_uris: ['http://localhost:53111/callback'], token_endpoint_auth_method: 'none' },
      { client_name: 'ChatGPT', redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'], token_endpoint_auth_method: 'none' },
      { client_name: 'Claude Helper', redirect_uris: [EVIL_CALLBACK], token_endpoint_auth_method: 'none' },
    ]) {
      assert.equal((await gh.register(body)).status, 201, body.client_name);
    }
  });

  it('refuses an RFC 7592 update that renames a client after a known one', async () => {
    const registered = await (await gh.register({ client_name: 'Harmless', redirect_uris: [EVIL_CALLBACK], token_endpoint_auth_method: 'none' })).json();
    const update = await fetch(registered.registration_client_uri, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${registered.registration_access_token}` },
      body: JSON.stringify({ client_id: registered.client_id, client_name: 'Claude', redirect_uris: [EVIL_CALLBACK], token_endpoint_auth_method: 'none' }),
    });
    assert.equal(update.status, 400);
    assert.equal((await update.json()).error, 'invalid_client_metadata');
    assert.equal((await gh.gatehouse.storage.clients.find(registered.client_id))!.metadata.client_name, 'Harmless');
  });

  it('says on the consent page who stands behind each name', async () => {
    const { browser } = await signedInBrowser(gh);
    const consentFor = async (client: { client_id: string; redirect_uris: string[] }) =>
      (await openConsent(browser, authorizationUrl(gh, client, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }))).html;

    const selfNamed = await registerClient(gh, { client_name: 'Claude Helper', redirect_uris: [EVIL_CALLBACK], token_endpoint_auth_method: 'none' });
    const unverified = await consentFor(selfNamed);
    assert.match(unverified, /Unverified app\.<\/strong> The name “Claude Helper” was supplied by the app itself/);
    assert.match(unverified, /<p class="redirect">Your answer goes to <span class="host">claude-ai\.evil\.example<\/span>/);
    assert.doesNotMatch(unverified, /Verified app:/);

    // A client stored before names were checked (or a document published elsewhere) that poses as Claude.
    await gh.gatehouse.storage.clients.create({
      clientId: 'old-impostor',
      kind: 'dynamic',
      secretHash: null,
      metadata: {
        client_name: 'Claude',
        redirect_uris: [EVIL_CALLBACK],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      createdAt: Date.now(),
      registrationTokenHash: null,
    });
    const impostor = await consentFor({ client_id: 'old-impostor', redirect_uris: [EVIL_CALLBACK] });
    assert.match(impostor, /role="alert"><strong>This is not Claude\.<\/strong>/);

    const claude = await consentFor({
      client_id: 'https://claude.ai/oauth/mcp-oauth-client-metadata',
      redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    });
    assert.match(claude, /Verified app: this server knows Claude/);
    assert.doesNotMatch(claude, /Unverified|This is not/);
    const portal = await consentFor({ client_id: 'acme-portal', redirect_uris: ['https://portal.acme.example/cb'] });
    assert.match(portal, /Verified app: this server knows Acme Portal/);
  });

  it('compares names as people read them', () => {
    assert.equal(nameKey('Claude'), nameKey('ＣＬＡＵＤＥ'));
    assert.equal(nameKey('Claude'), nameKey('CIaude'));
    assert.equal(nameKey('Claude'), nameKey(' claude\u200b!'));
    assert.notEqual(nameKey('Claude'), nameKey('Claude Helper'));
  });
});
