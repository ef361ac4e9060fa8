// Attacks every input that reaches a query with SQL metacharacters: sign-in, registration, the authorization, token
// and revocation endpoints, and the notes tools over MCP. Each answer is the standard refusal, or for data the
// literal behaviour (a search for "%" finds only notes containing "%"); every table is still there, and row counts
// change only where a write was asked for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/passwords.js';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { ADMIN, CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import {
  authorizationUrl,
  jsonRpcResult,
  mcpPost,
  obtainTokens,
  pkce,
  registerClient,
  tokenRequest,
  type RegisteredClient,
  type Tokens,
} from '../helpers/oauth.js';
import { assertErrorPage, assertOAuthError, census, postForm, type Table } from './support.js';

const PAYLOADS = [
  "' OR '1'='1",
  "admin' --",
  "admin'/*",
  '"; DROP TABLE users; --',
  "'; DROP TABLE clients; --",
  "' UNION SELECT password_hash, id FROM users --",
  '1; DELETE FROM notes',
  '%',
  '_',
  '\\',
  "\\' OR 1=1 --",
  "ünïcødé ☃ 𝄞 日本語 ' OR 1=1",
];

/** Accounts whose password field is attacked, in turn: none collects enough failures to lock (5 in a row). */
const EXTRA_ACCOUNTS = ['target-b', 'target-c'];
const ACCOUNTS = [ADMIN.username, ...EXTRA_ACCOUNTS];
const ACCOUNT_PASSWORD = ADMIN.password;

type Census = Awaited<ReturnType<typeof census>>;

/** The same tables, and the same row counts except the ones named with their expected growth. */
function assertCensus(after: Census, before: Census, growth: Partial<Record<Table, number>> = {}) {
  assert.deepEqual(after.tables, before.tables, 'every table is still there');
  const expected = { ...before.rows };
  for (const [table, added] of Object.entries(growth) as [Table, number][]) expected[table] += added;
  assert.deepEqual(after.rows, expected);
}

describe('SQL injection', () => {
  let gh: TestGatehouse;
  let client: RegisteredClient;
  let tokens: Tokens;
  const withPkce = { code_challenge: pkce().challenge, code_challenge_method: 'S256' };
  const whoami = () => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, tokens.access_token);

  before(async () => {
    // Sign-in is throttled per address and per account: each attempt below comes from its own (forwarded) address
    // and no account collects enough failures to lock, so every refusal is the plain one.
    gh = await startGatehouse({ TRUST_PROXY: '1' });
    for (const username of EXTRA_ACCOUNTS) await gh.gatehouse.storage.users.create({ username, passwordHash: await hashPassword(ACCOUNT_PASSWORD) });
    client = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'SQL injection target' });
    ({ tokens } = await obtainTokens(gh, { client }));
  });
  after(() => gh.close());

  it('/login: refuses every payload as username or password with 401, and starts no session', async () => {
    const browser = new Browser();
    const { csrf } = hiddenFields((await browser.go(new URL('/login', gh.baseUrl))).html!);
    const before = await census(gh);
    let attempt = 0;
    for (const [index, payload] of PAYLOADS.entries()) {
      const account = ACCOUNTS[index % ACCOUNTS.length]!;
      for (const [username, password] of [
        [payload, ACCOUNT_PASSWORD],
        [account, payload],
        [payload, payload],
      ] as const) {
        const from = { 'x-forwarded-for': `198.51.100.${++attempt}` };
        const response = await postForm(browser, new URL('/login', gh.baseUrl), { csrf: csrf!, username, password }, from);
        await assertErrorPage(response, 401, /Wrong username or password/);
        assert.ok(!response.headers.getSetCookie().some((line) => line.startsWith('gatehouse_session=')), 'no session cookie');
      }
    }
    assertCensus(await census(gh), before);
    assert.equal((await browser.go(new URL('/account', gh.baseUrl))).url.pathname, '/login', 'still signed out');
  });

  it('/register: stores client_name and redirect URIs with metacharacters literally, one client each', async () => {
    for (const payload of PAYLOADS) {
      const before = await census(gh);
      const body = { redirect_uris: [`https://app.example/cb?q=${payload}`], token_endpoint_auth_method: 'none', client_name: payload };
      const registered = (await registerClient(gh, body)) as RegisteredClient & { client_name: string };
      assert.equal(registered.client_name, payload);
      assert.deepEqual(registered.redirect_uris, body.redirect_uris);
      assertCensus(await census(gh), before, { clients: 1 });
      const stored = await gh.gatehouse.storage.clients.find(registered.client_id);
      assert.equal(stored?.metadata.client_name, payload);
      assert.deepEqual(stored?.metadata.redirect_uris, body.redirect_uris);
      // The literal URI matches; the registration did not leak into another client's.
      const authorize = await gh.fetch(authorizationUrl(gh, registered, withPkce).href);
      assert.equal(authorize.status, 303);
      assert.match(authorize.headers.get('location')!, /^\/consent\?request=/);
    }
  });

  it('/authorize: matches redirect URIs by equality, not as a pattern', async () => {
    const wild = await registerClient(gh, {
      redirect_uris: ['https://app.example/a_c', 'https://app.example/%'],
      token_endpoint_auth_method: 'none',
      client_name: 'Wildcards',
    });
    for (const redirect_uri of ['https://app.example/abc', 'https://app.example/anything', 'https://app.example/']) {
      await assertErrorPage(await gh.fetch(authorizationUrl(gh, wild, { ...withPkce, redirect_uri }).href), 400, /not registered for this client/);
    }
  });

  it('/authorize: an unknown client_id gets the error page; state and scope payloads come back as data', async () => {
    const before = await census(gh);
    for (const payload of PAYLOADS) {
      const unknown = await gh.fetch(authorizationUrl(gh, { ...client, client_id: payload }, withPkce).href);
      await assertErrorPage(unknown, 400, /not registered here/);

      const withState = await gh.fetch(authorizationUrl(gh, client, { ...withPkce, response_type: 'token', state: payload }).href);
      assert.equal(withState.status, 303);
      const refused = new URL(withState.headers.get('location')!);
      assert.equal(refused.searchParams.get('error'), 'unsupported_response_type');
      assert.equal(refused.searchParams.get('state'), payload);

      const withScope = await gh.fetch(authorizationUrl(gh, client, { ...withPkce, scope: payload }).href);
      assert.equal(withScope.status, 303);
      assert.equal(new URL(withScope.headers.get('location')!).searchParams.get('error'), 'invalid_scope');
    }
    assertCensus(await census(gh), before);
  });

  it('/token: refuses payloads as code, refresh_token, client_id or client_secret, and changes nothing', async () => {
    const auth = { client_id: client.client_id, client_secret: client.client_secret };
    const before = await census(gh);
    for (const payload of PAYLOADS) {
      const code = { grant_type: 'authorization_code', code: payload, code_verifier: pkce().verifier, redirect_uri: client.redirect_uris[0], ...auth };
      await assertOAuthError(await tokenRequest(gh, code), 400, 'invalid_grant');
      await assertOAuthError(await tokenRequest(gh, { grant_type: 'refresh_token', refresh_token: payload, ...auth }), 400, 'invalid_grant');
      await assertOAuthError(await tokenRequest(gh, { ...code, client_id: payload }), 401, 'invalid_client');
      await assertOAuthError(await tokenRequest(gh, { ...code, client_secret: payload }), 401, 'invalid_client');
      await assertOAuthError(
        await tokenRequest(gh, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...auth, scope: payload }),
        400,
        'invalid_scope',
      );
    }
    assertCensus(await census(gh), before);
    assert.equal((await whoami()).status, 200);
  });

  it('/revoke: answers 200 to payload tokens and revokes nothing', async () => {
    const revokedGrants = async () => (await gh.gatehouse.storage.db.selectFrom('grants').select('id').where('revoked_at', 'is not', null).execute()).length;
    const before = await census(gh);
    const revokedBefore = await revokedGrants();
    for (const payload of PAYLOADS) {
      const response = await gh.fetch('/revoke', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: payload, client_id: client.client_id, client_secret: client.client_secret! }),
      });
      assert.equal(response.status, 200);
    }
    assertCensus(await census(gh), before);
    assert.equal(await revokedGrants(), revokedBefore);
    assert.equal((await whoami()).status, 200);
  });

  it('/introspect: answers payload tokens with active: false and changes nothing', async () => {
    const before = await census(gh);
    for (const payload of PAYLOADS) {
      for (const hint of ['access_token', 'refresh_token', payload]) {
        const response = await gh.fetch('/introspect', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: payload, token_type_hint: hint, client_id: client.client_id, client_secret: client.client_secret! }),
        });
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { active: false });
      }
    }
    assertCensus(await census(gh), before);
  });

  describe('notes tools', () => {
    type NoteResult = { id: string; title: string; body: string };
    const tool = async (name: string, args: object) =>
      (await jsonRpcResult(await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }, tokens.access_token)))
        .result;
    const listNotes = async (): Promise<NoteResult[]> => (await tool('notes_list', {})).structuredContent.notes;
    const search = async (query: string): Promise<NoteResult[]> => {
      const result = await tool('notes_search', { query });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      return result.structuredContent.notes;
    };
    const ids = (notes: NoteResult[]) => notes.map((note) => note.id).sort();

    before(async () => {
      for (const title of ['plain note', 'fifty percent: 50%', 'snake_case', 'back\\slash', 'nothing special here'])
        await tool('notes_create', { title, body: '' });
    });

    it('stores titles and bodies with metacharacters literally, one row per note', async () => {
      for (const payload of PAYLOADS) {
        const before = await census(gh);
        const created = (await tool('notes_create', { title: payload, body: `body ${payload}` })).structuredContent as NoteResult;
        assert.equal(created.title, payload);
        assert.equal(created.body, `body ${payload}`);
        assertCensus(await census(gh), before, { notes: 1 });
        const row = await gh.gatehouse.storage.db.selectFrom('notes').select(['title', 'body']).where('id', '=', created.id).executeTakeFirstOrThrow();
        assert.deepEqual(row, { title: payload, body: `body ${payload}` });
      }
    });

    it('searches for metacharacters literally: "%" finds only notes that contain "%"', async () => {
      const all = await listNotes();
      const before = await census(gh);
      for (const query of ['%', '_', '\\', '%%', '_%', "'", "' OR '1'='1", '"; DROP TABLE users; --', '1; DELETE']) {
        const expected = all.filter((note) => `${note.title}\n${note.body}`.toLowerCase().includes(query.toLowerCase()));
        assert.ok(expected.length < all.length, `a wildcard reading of ${query} would be visible`);
        assert.deepEqual(ids(await search(query)), ids(expected), `search ${JSON.stringify(query)}`);
      }
      assert.deepEqual(await search('no note contains this'), []);
      assertCensus(await census(gh), before);
    });

    it('finds notes by non-ASCII text, as typed and case-insensitively', async () => {
      const note = (await tool('notes_create', { title: 'Crème BRÛLÉE', body: 'ΣΟΦΙΑ' })).structuredContent as NoteResult;
      const missed: string[] = [];
      for (const query of ['Crème', 'BRÛLÉE', 'brûlée', 'ΣΟΦΙΑ', 'σοφια']) {
        if (!ids(await search(query)).includes(note.id)) missed.push(query);
      }
      assert.deepEqual(missed, []);
    });

    it('deletes nothing for a payload id, and reads nothing for a payload resource', async () => {
      const before = await census(gh);
      for (const payload of PAYLOADS) {
        const deleted = await tool('notes_delete', { id: payload });
        assert.equal(deleted.isError, true);
        assert.equal(deleted.structuredContent.deleted, false);
        const read = await jsonRpcResult(
          await mcpPost(
            gh.mcpUrl,
            { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: `note://${encodeURIComponent(payload)}` } },
            tokens.access_token,
          ),
        );
        assert.ok(read.error, `resources/read note://${payload} is an error`);
      }
      assertCensus(await census(gh), before);
    });
  });
});
