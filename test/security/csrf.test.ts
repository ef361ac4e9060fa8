// Attacks the state-changing forms with cross-site request forgery: the consent approval (POST /consent), the
// account page's disconnect (POST /account/disconnect) and sign-out (POST /logout), posted from the victim's
// browser without the CSRF field, with a token lifted from another browser session, or from a foreign Origin.
// Each is refused with 403 and changes nothing: no code issued, no grant revoked, no session ended.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/passwords.js';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, mcpPost, obtainTokens, pkce, registerClient, type RegisteredClient } from '../helpers/oauth.js';
import { assertErrorPage, census, openConsent, postForm, signedInBrowser } from './support.js';

const MALLORY = { username: 'mallory', password: 'mallory password 123' };

/**
 * Origins and fetch metadata of a cross-site post that carries the victim's own, valid form. ("Origin: null" is
 * left to the token: browsers send it from our own pages under Referrer-Policy: no-referrer.)
 */
const FOREIGN_HEADERS = (baseUrl: string): Record<string, string | null>[] => [
  { origin: 'https://evil.example' },
  { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  { origin: baseUrl.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`) },
  { origin: baseUrl.replace('127.0.0.1', 'localhost') },
  { origin: null, 'sec-fetch-site': 'cross-site' },
  { 'sec-fetch-site': 'cross-site' },
];

/** A forged form may also arrive with an opaque origin (a sandboxed frame, a data: URL) or none at all. */
const OPAQUE_HEADERS: Record<string, string | null>[] = [{}, { origin: 'null' }, { origin: null }];

describe('CSRF', () => {
  let gh: TestGatehouse;
  let client: RegisteredClient;
  let attacker: Browser;
  const withPkce = { code_challenge: pkce().challenge, code_challenge_method: 'S256' };
  const url = (path: string) => new URL(path, gh.baseUrl);

  /** The CSRF token of a browser that belongs to someone else: the attacker, signed in as himself. */
  async function attackerToken() {
    return hiddenFields((await attacker.go(url('/account'))).html!).csrf!;
  }

  async function assertRefused(response: Response) {
    await assertErrorPage(response, 403, /Form expired/);
  }

  before(async () => {
    gh = await startGatehouse();
    await gh.gatehouse.storage.users.create({ username: MALLORY.username, passwordHash: await hashPassword(MALLORY.password) });
    client = await registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name: 'CSRF target' });
    ({ browser: attacker } = await signedInBrowser(gh, MALLORY));
  });
  after(() => gh.close());

  describe('POST /consent', () => {
    let victim: Browser;
    let fields: Record<string, string>;
    before(async () => {
      ({ browser: victim } = await signedInBrowser(gh));
      ({ fields } = await openConsent(victim, authorizationUrl(gh, client, withPkce)));
    });

    it('refuses an approval without the CSRF field, or with an empty or made-up one, and issues no code', async () => {
      const { csrf: _dropped, ...withoutCsrf } = fields;
      const before = await census(gh);
      for (const form of [withoutCsrf, { ...fields, csrf: '' }, { ...fields, csrf: 'forged' }, { ...fields, csrf: `${fields.csrf}x` }]) {
        for (const headers of OPAQUE_HEADERS) await assertRefused(await postForm(victim, url('/consent'), { ...form, decision: 'approve' }, headers));
      }
      assert.deepEqual(await census(gh), before);
    });

    it('refuses an approval with a CSRF token from another browser session', async () => {
      const stranger = new Browser();
      const strangerToken = hiddenFields((await stranger.go(url('/login'))).html!).csrf!;
      const attackerConsent = await openConsent(attacker, authorizationUrl(gh, client, withPkce));
      const before = await census(gh);
      for (const form of [
        { ...fields, csrf: await attackerToken() },
        { ...fields, csrf: strangerToken },
        // The attacker's whole form, request included, replayed through the victim's browser.
        attackerConsent.fields,
      ]) {
        for (const headers of OPAQUE_HEADERS) await assertRefused(await postForm(victim, url('/consent'), { ...form, decision: 'approve' }, headers));
      }
      assert.deepEqual(await census(gh), before);
    });

    it("refuses an approval from a foreign Origin, even with the victim's own token", async () => {
      const before = await census(gh);
      for (const headers of FOREIGN_HEADERS(gh.baseUrl)) {
        await assertRefused(await postForm(victim, url('/consent'), { ...fields, decision: 'approve' }, headers));
      }
      assert.deepEqual(await census(gh), before);
    });

    it('issues exactly one code for the genuine form (the refusals above were the CSRF check)', async () => {
      const before = await census(gh);
      const approved = await postForm(victim, url('/consent'), { ...fields, decision: 'approve' });
      assert.equal(approved.status, 303);
      assert.ok(new URL(approved.headers.get('location')!).searchParams.get('code'));
      assert.equal((await census(gh)).rows.authorization_codes, before.rows.authorization_codes + 1);
    });
  });

  describe('POST /account/disconnect', () => {
    let victim: Browser;
    let accessToken: string;
    let fields: Record<string, string>;
    const whoami = () => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, accessToken);
    const grantRevokedAt = async () => (await gh.gatehouse.storage.grants.find(fields.grant!))!.revokedAt;

    before(async () => {
      ({ browser: victim } = await signedInBrowser(gh));
      ({
        tokens: { access_token: accessToken },
      } = await obtainTokens(gh, { client, browser: victim }));
      fields = hiddenFields((await victim.go(url('/account'))).html!);
      assert.ok(fields.grant, 'the account page offers to disconnect the app');
    });

    it("refuses a disconnect without CSRF, with another session's token, or from a foreign Origin; the grant stays", async () => {
      const { csrf: _dropped, ...withoutCsrf } = fields;
      const before = await census(gh);
      for (const headers of OPAQUE_HEADERS) {
        await assertRefused(await postForm(victim, url('/account/disconnect'), withoutCsrf, headers));
        await assertRefused(await postForm(victim, url('/account/disconnect'), { ...fields, csrf: await attackerToken() }, headers));
      }
      for (const headers of FOREIGN_HEADERS(gh.baseUrl)) await assertRefused(await postForm(victim, url('/account/disconnect'), fields, headers));
      assert.deepEqual(await census(gh), before);
      assert.equal(await grantRevokedAt(), null);
      assert.equal((await whoami()).status, 200);
    });

    it("does not let a signed-in attacker disconnect the victim's grant with his own valid form", async () => {
      const before = await census(gh);
      const answer = await postForm(attacker, url('/account/disconnect'), { csrf: await attackerToken(), grant: fields.grant! });
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), '/account');
      assert.equal(await grantRevokedAt(), null);
      assert.deepEqual(await census(gh), before);
      assert.equal((await whoami()).status, 200);
    });

    it('disconnects with the genuine form (the refusals above were the CSRF check)', async () => {
      const answer = await postForm(victim, url('/account/disconnect'), fields);
      assert.equal(answer.status, 303);
      assert.equal(typeof (await grantRevokedAt()), 'number');
      assert.equal((await whoami()).status, 401);
    });
  });

  describe('POST /logout', () => {
    let victim: Browser;
    let fields: Record<string, string>;
    const signedIn = async () => (await victim.go(url('/account'))).url.pathname === '/account';

    before(async () => {
      let html: string;
      ({ browser: victim, html } = await signedInBrowser(gh));
      fields = hiddenFields(html);
    });

    it("refuses a sign-out without CSRF, with another session's token, or from a foreign Origin; the session stays", async () => {
      const before = await census(gh);
      for (const headers of OPAQUE_HEADERS) {
        await assertRefused(await postForm(victim, url('/logout'), {}, headers));
        await assertRefused(await postForm(victim, url('/logout'), { csrf: await attackerToken() }, headers));
      }
      for (const headers of FOREIGN_HEADERS(gh.baseUrl)) await assertRefused(await postForm(victim, url('/logout'), fields, headers));
      assert.deepEqual(await census(gh), before);
      assert.equal(await signedIn(), true);
    });

    it('signs out with the genuine form (the refusals above were the CSRF check)', async () => {
      const before = await census(gh);
      const answer = await postForm(victim, url('/logout'), fields);
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), '/login');
      assert.equal((await census(gh)).rows.sessions, before.rows.sessions - 1);
      assert.equal(await signedIn(), false);
    });
  });
});
