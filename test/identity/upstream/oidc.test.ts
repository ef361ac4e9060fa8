// Delegated sign-in against a real OpenID provider (oidc-provider on 127.0.0.1): the MCP client still registers
// with Gatehouse and still sees Gatehouse's consent; the provider only says who the person is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { McpServer } from '@modelcontextprotocol/server';
import { demoToolset } from '../../../src/index.js';
import { Browser, hiddenFields } from '../../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../../helpers/gatehouse.js';
import { authorizationUrl, callTool, codeExchange, jsonRpcResult, pkce, registerClient, tokenRequest } from '../../helpers/oauth.js';
import { RP, signInAtProvider, startOidcProvider, type TestProvider } from '../../helpers/oidc-provider.js';

/** A tool that calls the provider's userinfo endpoint with the user's upstream token, as a real integration would. */
function upstreamProfileTool(issuer: string) {
  return (server: McpServer, services: Parameters<ReturnType<typeof demoToolset>>[1]) => {
    server.registerTool('upstream_profile', { description: 'Reads my profile at the identity provider.' }, async (ctx) => {
      const token = await services.upstreamToken('oidc', ctx);
      if (!token) return { content: [{ type: 'text', text: 'no upstream token' }], isError: true };
      const profile = await (await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).json();
      return { content: [{ type: 'text', text: JSON.stringify(profile) }] };
    });
  };
}

describe('sign-in through an OpenID provider', () => {
  let idp: TestProvider;
  let gh: TestGatehouse;

  before(async () => {
    idp = await startOidcProvider();
    gh = await startGatehouse(
      {
        AUTH_MODE: 'local,oidc',
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: RP.clientId,
        OIDC_CLIENT_SECRET: RP.clientSecret,
        OIDC_SCOPES: 'openid email profile groups',
        OIDC_NAME: 'Example SSO',
        OIDC_ALLOWED_DOMAINS: 'example.com',
        OIDC_ALLOWED_GROUPS: 'mcp-users',
        KEEP_UPSTREAM_TOKENS: 'true',
      },
      { toolsets: (storage) => [demoToolset(storage.notes), upstreamProfileTool(idp.issuer)] },
    );
    await idp.configure({ redirectUris: [`${gh.baseUrl}/login/oidc/callback`] });
  });
  after(async () => {
    await gh?.close();
    await idp?.close();
  });

  /** From an MCP client's authorization request to the provider's sign-in page: returns the browser and that URL. */
  async function startConnecting() {
    const client = await registerClient(gh);
    const { verifier, challenge } = pkce();
    const browser = new Browser();
    const login = await browser.go(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.equal(login.url.pathname, '/login');
    const link = /href="(\/login\/oidc\?[^"]+)"/.exec(login.html!)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(link, 'the sign-in page offers the provider');
    assert.match(login.html!, /Sign in with Example SSO/);
    const upstream = await browser.go(new URL(link, gh.baseUrl));
    assert.ok(upstream.leftTo, 'Gatehouse sends the browser to the provider');
    return { client, verifier, browser, upstreamUrl: upstream.leftTo };
  }

  /** Signs in upstream as `login` and follows the browser back into Gatehouse. */
  async function signIn(login: string) {
    const connecting = await startConnecting();
    const back = await signInAtProvider(connecting.browser, connecting.upstreamUrl, login);
    return { ...connecting, landed: await connecting.browser.go(back) };
  }

  it('connects an MCP client as the person who signed in upstream, after Gatehouse’s own consent', async () => {
    const { client, verifier, browser, upstreamUrl, landed } = await signIn('alice');
    assert.equal(upstreamUrl.origin, idp.issuer);
    assert.equal(upstreamUrl.searchParams.get('client_id'), RP.clientId, 'the upstream client is Gatehouse, never the MCP client');
    assert.equal(upstreamUrl.searchParams.get('redirect_uri'), `${gh.baseUrl}/login/oidc/callback`);
    assert.equal(upstreamUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(upstreamUrl.searchParams.get('state') && upstreamUrl.searchParams.get('nonce'));

    assert.equal(landed.url.pathname, '/consent', 'back from the provider, the person sees Gatehouse’s consent page');
    assert.match(landed.html!, /Claude/);
    const approved = await browser.submit(new URL('/consent', gh.baseUrl), { ...hiddenFields(landed.html!), decision: 'approve' });
    const code = approved.leftTo!.searchParams.get('code')!;
    const tokens = await (await tokenRequest(gh, codeExchange(client, code, verifier))).json();
    assert.ok(tokens.access_token);

    const whoami = await jsonRpcResult(await callTool(gh.mcpUrl, tokens.access_token, 'whoami'));
    assert.equal(whoami.result.structuredContent.username, 'alice');
    assert.equal(whoami.result.structuredContent.client_id, client.client_id);

    const identities = await gh.gatehouse.storage.db.selectFrom('user_identities').selectAll().where('subject', '=', 'alice').execute();
    assert.equal(identities.length, 1);
    assert.equal(identities[0]!.issuer, idp.issuer);
    assert.equal(identities[0]!.email, 'alice@example.com');
    assert.equal(identities[0]!.name, 'Alice Liddell');

    // The tool reached the provider's API with the user's upstream token, kept encrypted.
    const profile = await jsonRpcResult(await callTool(gh.mcpUrl, tokens.access_token, 'upstream_profile'));
    assert.equal(JSON.parse(profile.result.content[0].text).sub, 'alice');
    const sealed = identities[0]!.tokens_encrypted;
    assert.ok(sealed, 'the tokens are stored');
    assert.doesNotMatch(sealed, /access_?token/i, 'and only encrypted');
  });

  it('signs the same person in as the same user next time, and asks consent again for another client', async () => {
    const first = await signIn('alice');
    assert.equal(first.landed.url.pathname, '/consent');
    const users = await gh.gatehouse.storage.db.selectFrom('users').select('username').where('username', 'like', 'alice%').execute();
    assert.deepEqual(
      users.map((user) => user.username),
      ['alice'],
    );
  });

  it('admits a member of an allowed group whatever their email domain', async () => {
    const { landed } = await signIn('dave');
    assert.equal(landed.url.pathname, '/consent');
  });

  it('refuses people outside the allowlist, and an unverified email in an allowed domain', async () => {
    for (const login of ['bob', 'carol']) {
      const { landed } = await signIn(login);
      assert.equal(landed.page!.status, 403, login);
      assert.match(landed.html!, /may not use this server/);
    }
    const refusals = await gh.gatehouse.storage.db.selectFrom('audit_events').select('detail').where('type', '=', 'login.refused').execute();
    assert.equal(refusals.length, 2);
    assert.equal(
      await gh.gatehouse.storage.db.selectFrom('users').select('id').where('username', 'in', ['bob', 'carol']).executeTakeFirst(),
      undefined,
      'no user is created',
    );
  });

  it('never joins an upstream identity to the local account of the same name', async () => {
    const { landed } = await signIn('eve');
    assert.equal(landed.url.pathname, '/consent');
    const eve = await gh.gatehouse.storage.db
      .selectFrom('user_identities as i')
      .innerJoin('users as u', 'u.id', 'i.user_id')
      .select(['u.username', 'u.password_hash'])
      .where('i.subject', '=', 'eve')
      .executeTakeFirstOrThrow();
    assert.equal(eve.username, 'admin-2');
    assert.equal(eve.password_hash, '!', 'and such a user has no password to guess');
    const browser = new Browser();
    const signInAsAdmin2 = await browser.go(new URL('/login', gh.baseUrl));
    const refused = await browser.submit(new URL('/login', gh.baseUrl), { ...hiddenFields(signInAsAdmin2.html!), username: 'admin-2', password: '!' });
    assert.equal(refused.page!.status, 401, 'a password cannot sign in as an upstream user');
  });

  it('refuses a tampered state or nonce, and a callback without its sign-in cookie', async () => {
    for (const parameter of ['state', 'nonce']) {
      const { browser, upstreamUrl } = await startConnecting();
      upstreamUrl.searchParams.set(parameter, `${upstreamUrl.searchParams.get(parameter)}x`);
      const back = await signInAtProvider(browser, upstreamUrl, 'alice');
      const landed = await browser.go(back);
      assert.equal(landed.page!.status, 400, parameter);
      assert.match(landed.html!, /could not be verified/, parameter);
    }

    const { browser, upstreamUrl } = await startConnecting();
    const back = await signInAtProvider(browser, upstreamUrl, 'alice');
    const elsewhere = await new Browser().go(back);
    assert.equal(elsewhere.page!.status, 400);
    assert.match(elsewhere.html!, /expired/);
  });

  it('shows the provider’s refusal when the person cancels upstream', async () => {
    const { browser, upstreamUrl } = await startConnecting();
    const callback = new URL(upstreamUrl.searchParams.get('redirect_uri')!);
    callback.search = new URLSearchParams({ error: 'access_denied', state: upstreamUrl.searchParams.get('state')!, iss: idp.issuer }).toString();
    const landed = await browser.go(callback);
    assert.equal(landed.page!.status, 403);
    assert.match(landed.html!, /cancelled/i);
  });
});
