// The account page's own controls over real HTTP: disconnecting an app through a confirmation step, changing a
// local password (throttled with sign-in), and the list of signed-in browsers with a sign-out for each. Every
// refusal is asserted exactly, with what stayed stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/crypto.js';
import { hashPassword } from '../../src/identity/passwords.js';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { ADMIN, CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, obtainTokens, registerClient } from '../helpers/oauth.js';
import { RP, signInAtProvider, startOidcProvider, type TestProvider } from '../helpers/oidc-provider.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** The test browser's cookie jar (the helper keeps it private; these tests need to see and plant cookies). */
const jar = (browser: Browser) => Reflect.get(browser, 'cookies') as Map<string, string>;

/** Signs in with a password from a fresh browser, optionally as a particular browser (its User-Agent). */
async function signIn(gh: TestGatehouse, user: { username: string; password: string } = ADMIN, userAgent?: string) {
  const browser = new Browser();
  const login = await browser.go(new URL('/login', gh.baseUrl));
  const account = await browser.go(new URL('/login', gh.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gh.baseUrl, ...(userAgent && { 'user-agent': userAgent }) },
    body: new URLSearchParams({ ...hiddenFields(login.html!), ...user }).toString(),
  });
  assert.equal(account.url.pathname, '/account', `signing in as ${user.username} failed (${account.page?.status})`);
  return { browser, html: account.html! };
}

/** Posts a form from the browser and returns the answer itself (no redirect followed). */
function post(browser: Browser, url: URL, fields: Record<string, string>) {
  return browser.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Whether the browser is still signed in: /account answers with the page rather than a redirect to sign in. */
async function signedIn(gh: TestGatehouse, browser: Browser) {
  const response = await browser.fetch(new URL('/account', gh.baseUrl));
  await response.body?.cancel();
  return response.status === 200;
}

/** The ref the page names a session by (src/identity/sessions.ts), from its cookie: one-way, twice over. */
const refOfCookie = (cookie: string) => sha256(`gatehouse session ref\n${sha256(cookie)}`);
const sessionRefs = (html: string) => [...html.matchAll(/<input type="hidden" name="session" value="([^"]+)"/g)].map((match) => match[1]!);
const statusText = (html: string) => /role="status">([^<]*)</.exec(html)?.[1];
const alertText = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1];

async function createUser(gh: TestGatehouse, username: string, password: string) {
  return gh.gatehouse.storage.users.create({ username, passwordHash: await hashPassword(password) });
}

describe('account page: disconnecting an app', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('asks first (a GET that changes nothing), revokes only on the confirming post, then says so once', async () => {
    const { browser } = await signIn(gh);
    const client = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Notes <b>App</b>' });
    const { tokens } = await obtainTokens(gh, { client, browser, scope: 'mcp:tools' });
    const whoami = () => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, tokens.access_token);

    const account = await browser.go(new URL('/account', gh.baseUrl));
    const grantId = hiddenFields(account.html!).grant!;
    assert.match(account.html!, new RegExp(`<form method="get" action="/account/disconnect"><input type="hidden" name="grant" value="${grantId}"/>`));

    const confirm = await browser.go(new URL(`/account/disconnect?grant=${encodeURIComponent(grantId)}`, gh.baseUrl));
    assert.equal(confirm.page!.status, 200);
    assert.match(confirm.html!, /<h1>Disconnect Notes &lt;b&gt;App&lt;\/b&gt;\?<\/h1>/, 'the app’s own name, escaped');
    assert.doesNotMatch(confirm.html!, /<b>App<\/b>/);
    assert.match(confirm.html!, /It will lose access until you connect it again\./);
    assert.match(confirm.html!, /<a class="button" href="\/account#apps">Cancel<\/a>/);
    assert.match(confirm.html!, /<form method="post" action="\/account\/disconnect">/);
    assert.equal((await whoami()).status, 200, 'showing the confirmation revoked nothing');

    const fields = hiddenFields(confirm.html!);
    assert.equal(fields.grant, grantId);
    const { csrf: _dropped, ...withoutCsrf } = fields;
    const forged = await post(browser, new URL('/account/disconnect', gh.baseUrl), withoutCsrf);
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /Form expired/);
    assert.equal((await gh.gatehouse.storage.grants.find(grantId))!.revokedAt, null);
    assert.equal((await whoami()).status, 200);

    const confirmed = await post(browser, new URL('/account/disconnect', gh.baseUrl), fields);
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.headers.get('location'), '/account#apps');
    assert.equal((await whoami()).status, 401, 'refused at once');
    const back = await browser.go(new URL('/account', gh.baseUrl));
    assert.equal(statusText(back.html!), 'Notes &lt;b&gt;App&lt;/b&gt; was disconnected. It can no longer reach your data.');
    assert.match(back.html!, /No app is connected/);
    const reloaded = await browser.go(new URL('/account', gh.baseUrl));
    assert.equal(statusText(reloaded.html!), undefined, 'the notice is shown once');
  });

  it("neither confirms nor revokes another user's grant, and says why on the page", async () => {
    await createUser(gh, 'bob', 'bob password 123');
    const bob = await signIn(gh, { username: 'bob', password: 'bob password 123' });
    const { tokens } = await obtainTokens(gh, { client: await registerClient(gh), browser: bob.browser });
    const bobsGrant = hiddenFields((await bob.browser.go(new URL('/account', gh.baseUrl))).html!).grant!;
    const { browser } = await signIn(gh);

    for (const query of [`grant=${encodeURIComponent(bobsGrant)}`, 'grant=no-such-grant', '']) {
      const confirm = await browser.go(new URL(`/account/disconnect?${query}`, gh.baseUrl));
      assert.equal(confirm.page!.status, 404, query);
      assert.match(alertText(confirm.html!)!, /That app is not connected to your account/);
      assert.doesNotMatch(confirm.html!, /action="\/account\/disconnect"><input type="hidden" name="csrf"/, 'no confirming form');
    }
    const csrf = hiddenFields((await browser.go(new URL('/account', gh.baseUrl))).html!).csrf!;
    const answer = await post(browser, new URL('/account/disconnect', gh.baseUrl), { csrf, grant: bobsGrant });
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), '/account');
    const back = await browser.go(new URL('/account', gh.baseUrl));
    assert.equal(alertText(back.html!), 'That app is not connected to your account, so nothing was disconnected.');
    assert.equal((await gh.gatehouse.storage.grants.find(bobsGrant))!.revokedAt, null);
    assert.equal((await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token)).status, 200);
  });

  it("says nothing for a planted notice about someone else's app or in a made-up shape", async () => {
    const bob = await signIn(gh, { username: 'bob', password: 'bob password 123' });
    const client = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Bobs Revoked App' });
    await obtainTokens(gh, { client, browser: bob.browser });
    const grant = (await gh.gatehouse.storage.grants.list({ clientId: client.client_id }))[0]!;
    await gh.gatehouse.storage.grants.revoke(grant.id, Date.now());
    const { browser } = await signIn(gh);
    // The planted cookie does reach the page (so the refusals below are the page's doing): a notice of its own kind.
    jar(browser).set('gatehouse_notice', 'session-ended');
    assert.equal(statusText((await browser.go(new URL('/account', gh.baseUrl))).html!), 'That browser was signed out.');
    for (const planted of [
      `disconnected.${grant.id}`,
      'disconnected',
      'password-changed.x<script>',
      'password-changed.many',
      'others-ended',
      'Your password was reset',
    ]) {
      jar(browser).set('gatehouse_notice', encodeURIComponent(planted));
      const page = await browser.go(new URL('/account', gh.baseUrl));
      assert.equal(statusText(page.html!), undefined, planted);
      assert.doesNotMatch(page.html!, /Bobs Revoked App|<script>|reset|password was changed|everywhere else:/, planted);
    }
  });
});

describe('account page: changing the password', () => {
  let gh: TestGatehouse;
  const PAT = { username: 'pat', password: 'pat old password' };
  const NEW_PASSWORD = 'pat brand new password';
  let patId: string;
  const url = (path: string) => new URL(path, gh.baseUrl);
  const storedHash = async () => (await gh.gatehouse.storage.users.findById(patId))!.passwordHash;
  const sessionCount = async () => (await gh.gatehouse.storage.db.selectFrom('sessions').select('id_hash').where('user_id', '=', patId).execute()).length;

  before(async () => {
    gh = await startGatehouse();
    patId = (await createUser(gh, PAT.username, PAT.password)).id;
  });
  after(() => gh.close());

  it('shows a labelled form with the current password and the new one twice', async () => {
    const { html } = await signIn(gh, PAT);
    assert.match(html, /<section id="password"/);
    for (const [id, name, autocomplete] of [
      ['current-password', 'current_password', 'current-password'],
      ['new-password', 'new_password', 'new-password'],
      ['new-password-again', 'new_password_again', 'new-password'],
    ]) {
      assert.match(html, new RegExp(`<label for="${id}">`));
      assert.match(html, new RegExp(`<input type="password" id="${id}" name="${name}" autocomplete="${autocomplete}" required`));
    }
    assert.match(html, /minlength="8" maxlength="256"/);
  });

  it('refuses each bad form with its reason on the page, stores nothing and ends no session', async () => {
    const { browser, html } = await signIn(gh, PAT);
    const other = await signIn(gh, PAT);
    const csrf = hiddenFields(html).csrf!;
    const hashBefore = await storedHash();
    const sessionsBefore = await sessionCount();
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ current_password: 'wrong guess 1', new_password: NEW_PASSWORD, new_password_again: NEW_PASSWORD }, 400, /^The current password is wrong\./],
      [{ current_password: PAT.password, new_password: NEW_PASSWORD, new_password_again: `${NEW_PASSWORD}!` }, 400, /^The two new passwords do not match\./],
      [{ current_password: PAT.password, new_password: 'short', new_password_again: 'short' }, 400, /^The new password must be at least 8 characters\./],
      [{ current_password: PAT.password, new_password: 'x'.repeat(257), new_password_again: 'x'.repeat(257) }, 400, /at most 256 characters/],
      [{ current_password: '', new_password: NEW_PASSWORD, new_password_again: NEW_PASSWORD }, 400, /^Enter your current password\./],
      [{ new_password: NEW_PASSWORD }, 400, /^Enter your current password\./],
      [
        { current_password: PAT.password, new_password: PAT.password, new_password_again: PAT.password },
        400,
        /^The new password is the same as the current one\./,
      ],
    ];
    for (const [fields, status, message] of cases) {
      const answer = await post(browser, url('/account/password'), { csrf, ...fields });
      const body = await answer.text();
      assert.equal(answer.status, status, JSON.stringify(fields));
      assert.match(answer.headers.get('content-type')!, /^text\/html/);
      assert.match(alertText(body) ?? '', message, JSON.stringify(fields));
      assert.match(body, /<section id="password"/, 'the form is there to try again');
      for (const typed of Object.values(fields).filter(Boolean)) assert.ok(!body.includes(typed), `never echoes what was typed (${typed.slice(0, 20)})`);
    }
    const forged = await post(browser, url('/account/password'), {
      current_password: PAT.password,
      new_password: NEW_PASSWORD,
      new_password_again: NEW_PASSWORD,
    });
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /Form expired/);
    const crossSite = await browser.fetch(url('/account/password'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ csrf, current_password: PAT.password, new_password: NEW_PASSWORD, new_password_again: NEW_PASSWORD }).toString(),
    });
    assert.equal(crossSite.status, 403);

    assert.equal(await storedHash(), hashBefore, 'the password is unchanged');
    assert.equal(await sessionCount(), sessionsBefore, 'no session ended');
    assert.equal(await signedIn(gh, other.browser), true);
    const audit = JSON.stringify(await gh.gatehouse.storage.db.selectFrom('audit_events').selectAll().execute());
    assert.ok(!audit.includes('wrong guess 1') && !audit.includes(PAT.password), 'no password reaches the audit trail');
    const failed = (await gh.gatehouse.storage.db.selectFrom('audit_events').select('detail').where('type', '=', 'login.failed').execute()).map(
      (row) => JSON.parse(row.detail!) as Record<string, unknown>,
    );
    assert.deepEqual(failed, [{ username: PAT.username, via: 'account page' }], 'the wrong guess is audited as a failed sign-in');
  });

  it('changes it, signs out every other browser of the user, keeps this one, and says so', async () => {
    const { browser, html } = await signIn(gh, PAT);
    const others = [await signIn(gh, PAT), await signIn(gh, PAT)];
    const bystander = await signIn(gh); // admin, another user: untouched
    const sessionCookie = jar(browser).get('gatehouse_session');
    const answer = await post(browser, url('/account/password'), {
      csrf: hiddenFields(html).csrf!,
      current_password: PAT.password,
      new_password: NEW_PASSWORD,
      new_password_again: NEW_PASSWORD,
    });
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), '/account#password');
    assert.notEqual(jar(browser).get('gatehouse_session'), sessionCookie, 'this browser’s session is renewed');

    const page = await browser.go(url('/account'));
    assert.equal(page.url.pathname, '/account', 'this browser stays signed in');
    assert.match(statusText(page.html!)!, /^Your password was changed\. \d+ other browsers signed out; this one stays signed in\.$/);
    for (const other of others) assert.equal(await signedIn(gh, other.browser), false, 'another browser of the user is signed out');
    assert.equal(await signedIn(gh, bystander.browser), true, 'another user is not');
    assert.equal(await sessionCount(), 1);

    const oldLogin = new Browser();
    const form = await oldLogin.go(url('/login'));
    const refused = await oldLogin.submit(url('/login'), { ...hiddenFields(form.html!), ...PAT });
    assert.equal(refused.page!.status, 401, 'the old password no longer signs in');
    await signIn(gh, { username: PAT.username, password: NEW_PASSWORD });
    PAT.password = NEW_PASSWORD;
  });
});

describe('account page: the password change is throttled with sign-in', () => {
  let gh: TestGatehouse;
  const SAM = { username: 'sam', password: 'sam the real password' };
  before(async () => {
    gh = await startGatehouse();
    await createUser(gh, SAM.username, SAM.password);
  });
  after(() => gh.close());

  it('locks after repeated wrong current passwords, refusing even the right one, and locks sign-in too', async () => {
    const { browser, html } = await signIn(gh, SAM);
    const csrf = hiddenFields(html).csrf!;
    const attempt = (current: string) =>
      post(browser, new URL('/account/password', gh.baseUrl), {
        csrf,
        current_password: current,
        new_password: 'a new password',
        new_password_again: 'a new password',
      });
    for (let i = 1; i <= 5; i++) assert.equal((await attempt(`guess number ${i}`)).status, 400, `guess ${i} is checked`);
    const locked = await attempt(SAM.password);
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.match(alertText(await locked.text())!, /^Too many wrong passwords\. Try again in \d+ minutes?\.$/);
    const hash = (await gh.gatehouse.storage.users.findByUsername(SAM.username))!.passwordHash;
    assert.ok(hash.startsWith('$argon2'));
    assert.equal(await signedIn(gh, browser), true, 'the lock does not sign anyone out');

    const login = new Browser();
    const form = await login.go(new URL('/login', gh.baseUrl));
    const refused = await login.submit(new URL('/login', gh.baseUrl), { ...hiddenFields(form.html!), ...SAM });
    assert.equal(refused.page!.status, 429, 'guesses on the account page count against sign-in');
  });
});

describe('account page: signed-in browsers', () => {
  let gh: TestGatehouse;
  const url = (path: string) => new URL(path, gh.baseUrl);
  const CAROL = { username: 'carol', password: 'carol password 123' };
  const DAVE = { username: 'dave', password: 'dave password 123' };
  let carolId: string;
  const carolSessions = async () =>
    gh.gatehouse.storage.db.selectFrom('sessions').select(['id_hash', 'last_seen_at', 'user_agent']).where('user_id', '=', carolId).execute();

  /** The session.ended events of the audit trail, oldest first, their detail parsed whatever the dialect stores. */
  const sessionAudits = async () =>
    (await gh.gatehouse.storage.db.selectFrom('audit_events').select(['detail', 'user_id']).where('type', '=', 'session.ended').orderBy('at').execute()).map(
      (row) => ({ userId: row.user_id, detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as unknown) : row.detail }),
    );

  before(async () => {
    gh = await startGatehouse();
    carolId = (await createUser(gh, CAROL.username, CAROL.password)).id;
    await createUser(gh, DAVE.username, DAVE.password);
  });
  after(() => gh.close());

  it('lists each browser by a summary of its user agent, marks this one, and shows no secret of any', async () => {
    const firefox = await signIn(gh, CAROL, FIREFOX_LINUX);
    const safari = await signIn(gh, CAROL, SAFARI_IPHONE);
    const { browser, html } = await signIn(gh, CAROL, CHROME_WINDOWS);
    assert.match(html, /<b>Chrome on Windows<\/b><span class="badge">This browser<\/span>/);
    assert.match(html, /<b>Firefox on Linux<\/b>/);
    assert.match(html, /<b>Safari on iOS<\/b>/);
    assert.equal((html.match(/This browser<\/span>/g) ?? []).length, 1);
    assert.doesNotMatch(html, /Gecko|AppleWebKit|rv:128/, 'the raw header is neither stored nor shown');
    assert.deepEqual((await carolSessions()).map((row) => row.user_agent).sort(), ['Chrome on Windows', 'Firefox on Linux', 'Safari on iOS']);

    const refs = sessionRefs(html);
    assert.equal(refs.length, 2, 'a sign-out form for each other browser (this one signs out through /logout)');
    const cookies = [browser, firefox.browser, safari.browser].map((each) => jar(each).get('gatehouse_session')!);
    const secrets = [...(await carolSessions()).map((row) => row.id_hash), ...cookies];
    assert.equal(secrets.length, 6);
    for (const secret of secrets) assert.ok(!html.includes(secret), 'neither a cookie nor a stored hash is on the page');
    assert.deepEqual(refs.sort(), [refOfCookie(cookies[1]!), refOfCookie(cookies[2]!)].sort(), 'the other two, by their opaque refs');
    assert.match(html, /<form method="post" action="\/account\/sessions\/end-others">/);
  });

  it('records when a browser was last seen, at most once every few minutes', async () => {
    const { browser } = await signIn(gh, CAROL, FIREFOX_LINUX);
    const hash = sha256(jar(browser).get('gatehouse_session')!);
    const lastSeen = async () =>
      Number((await gh.gatehouse.storage.db.selectFrom('sessions').select('last_seen_at').where('id_hash', '=', hash).executeTakeFirstOrThrow()).last_seen_at);
    const setLastSeen = (at: number | null) => gh.gatehouse.storage.db.updateTable('sessions').set({ last_seen_at: at }).where('id_hash', '=', hash).execute();

    const recent = Date.now() - 60_000;
    await setLastSeen(recent);
    await browser.go(url('/account'));
    assert.equal(await lastSeen(), recent, 'a minute ago is fresh enough: no write');
    await setLastSeen(Date.now() - 10 * 60_000);
    const before = Date.now();
    await browser.go(url('/account'));
    assert.ok((await lastSeen()) >= before, 'ten minutes ago is refreshed');
    // A session from before these columns existed shows what is known.
    await setLastSeen(null);
    await gh.gatehouse.storage.db.updateTable('sessions').set({ user_agent: null }).where('id_hash', '=', hash).execute();
    const other = await signIn(gh, CAROL);
    const page = await other.browser.go(url('/account'));
    assert.match(page.html!, /<b>Unknown browser<\/b><\/td><td data-label="Signed in">[^<]+<\/td><td data-label="Last seen">not recorded<\/td>/);
  });

  it("signs out one other browser of the user's, and refuses refs that are not theirs, this one's, or anything", async () => {
    const { browser, html } = await signIn(gh, CAROL, CHROME_WINDOWS);
    const firefox = await signIn(gh, CAROL, FIREFOX_LINUX);
    const dave = await signIn(gh, DAVE, SAFARI_IPHONE);
    const daveElsewhere = await signIn(gh, DAVE);
    const csrf = hiddenFields(html).csrf!;
    // A real ref of Dave's, as his own page shows it to him (the session of his first browser).
    const daveRef = refOfCookie(jar(dave.browser).get('gatehouse_session')!);
    assert.ok(sessionRefs((await daveElsewhere.browser.go(url('/account'))).html!).includes(daveRef));
    const ownRef = refOfCookie(jar(browser).get('gatehouse_session')!);
    const firefoxRef = refOfCookie(jar(firefox.browser).get('gatehouse_session')!);
    assert.ok(sessionRefs((await browser.go(url('/account'))).html!).includes(firefoxRef));
    const count = async () => (await gh.gatehouse.storage.db.selectFrom('sessions').select('id_hash').execute()).length;
    const before = await count();

    for (const [ref, status, message] of [
      [daveRef, 404, /^That session is not one of yours, or it has already ended\.$/],
      ['not-a-ref', 404, /^That session is not one of yours/],
      ['', 404, /^That session is not one of yours/],
      [ownRef, 400, /^That is this browser: use its Sign out button/],
    ] as const) {
      const answer = await post(browser, url('/account/sessions/end'), { csrf, session: ref });
      assert.equal(answer.status, status, ref);
      assert.match(alertText(await answer.text())!, message);
    }
    const forged = await post(browser, url('/account/sessions/end'), { session: firefoxRef });
    assert.equal(forged.status, 403);
    const foreign = await dave.browser.fetch(url('/account/sessions/end'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, session: daveRef }).toString(),
    });
    assert.equal(foreign.status, 403, "Carol's token from Dave's browser");
    assert.equal(await count(), before, 'nothing ended');
    assert.equal(await signedIn(gh, dave.browser), true);
    assert.equal(await signedIn(gh, firefox.browser), true);

    const ended = await post(browser, url('/account/sessions/end'), { csrf, session: firefoxRef });
    assert.equal(ended.status, 303);
    assert.equal(ended.headers.get('location'), '/account#sessions');
    assert.equal(await signedIn(gh, firefox.browser), false, 'the other browser is signed out');
    assert.equal(await count(), before - 1);
    const back = await browser.go(url('/account'));
    assert.equal(statusText(back.html!), 'That browser was signed out.');
    assert.ok(!sessionRefs(back.html!).includes(firefoxRef));
    assert.equal(await signedIn(gh, browser), true);
    assert.equal(await signedIn(gh, dave.browser), true);
    assert.deepEqual((await sessionAudits()).at(-1)?.detail, { ended: 1, by: 'the user, from another browser' });
  });

  it('signs out everywhere else: every other session of the user, none of anyone else', async () => {
    const { browser, html } = await signIn(gh, CAROL);
    const others = [await signIn(gh, CAROL, FIREFOX_LINUX), await signIn(gh, CAROL, SAFARI_IPHONE)];
    const dave = await signIn(gh, DAVE);
    const expected = (await carolSessions()).length - 1;
    const answer = await post(browser, url('/account/sessions/end-others'), { csrf: hiddenFields(html).csrf! });
    assert.equal(answer.status, 303);
    const back = await browser.go(url('/account'));
    assert.equal(statusText(back.html!), `Signed out everywhere else: ${expected} browsers.`);
    for (const other of others) assert.equal(await signedIn(gh, other.browser), false);
    assert.equal(await signedIn(gh, dave.browser), true);
    assert.equal((await carolSessions()).length, 1);
    assert.doesNotMatch(back.html!, /Sign out everywhere else/, 'no button when there is no other browser');
    assert.deepEqual((await sessionAudits()).at(-1)?.detail, { ended: expected, by: 'the user, everywhere else' });
    const forged = await post(browser, url('/account/sessions/end-others'), {});
    assert.equal(forged.status, 403);
  });
});

/** A Gatehouse that signs people in at a test OpenID provider (AUTH_MODE `mode`), started and stopped with the suite. */
function withOidcSignIn(mode: string, started: (gh: TestGatehouse) => void) {
  let idp: TestProvider | undefined;
  let gh: TestGatehouse | undefined;
  before(async () => {
    idp = await startOidcProvider();
    gh = await startGatehouse({
      AUTH_MODE: mode,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: RP.clientId,
      OIDC_CLIENT_SECRET: RP.clientSecret,
      OIDC_ALLOWED_DOMAINS: 'example.com',
    });
    await idp.configure({ redirectUris: [`${gh.baseUrl}/login/oidc/callback`] });
    started(gh);
  });
  after(async () => {
    await gh?.close();
    await idp?.close();
  });
}

describe('account page: a user who signs in upstream', () => {
  let gh: TestGatehouse;
  withOidcSignIn('local,oidc', (started) => (gh = started));

  it('has no password form and is refused a password change, while the local admin has one', async () => {
    const browser = new Browser();
    const login = await browser.go(new URL('/login', gh.baseUrl));
    const link = /href="(\/login\/oidc\?[^"]*)"/.exec(login.html!)?.[1]?.replace(/&amp;/g, '&') ?? '/login/oidc';
    const upstream = await browser.go(new URL(link, gh.baseUrl));
    assert.ok(upstream.leftTo, 'sent to the provider');
    const account = await browser.go(await signInAtProvider(browser, upstream.leftTo, 'alice'));
    assert.equal(account.url.pathname, '/account');
    assert.doesNotMatch(account.html!, /id="password"|action="\/account\/password"|current-password/);
    assert.match(account.html!, /<section id="sessions"/);

    const answer = await post(browser, new URL('/account/password', gh.baseUrl), {
      csrf: hiddenFields(account.html!).csrf!,
      current_password: '!',
      new_password: 'a password of mine',
      new_password_again: 'a password of mine',
    });
    assert.equal(answer.status, 403);
    assert.equal(alertText(await answer.text()), 'This account signs in through an identity provider and has no password here to change.');
    const user = (await gh.gatehouse.storage.users.listWithIdentities()).find((candidate) => candidate.identities.length > 0)!;
    assert.ok(!user.passwordHash.startsWith('$argon2'), 'still no password');

    const admin = await signIn(gh);
    assert.match(admin.html, /action="\/account\/password"/);
  });
});

describe('account page when password sign-in is off', () => {
  let gh: TestGatehouse;
  withOidcSignIn('oidc', (started) => (gh = started));

  it('offers no password change, even to a user who has a password', async () => {
    // Created before password sign-in was turned off, say.
    const admin = await createUser(gh, 'erin', 'erin password 123');
    const cookie = 'a-session-cookie-planted-by-the-test-0123456789';
    await gh.gatehouse.storage.sessions.create({ idHash: sha256(cookie), userId: admin.id, createdAt: Date.now(), expiresAt: Date.now() + 60_000 });
    const browser = new Browser();
    jar(browser).set('gatehouse_session', cookie);
    const page = await browser.go(new URL('/account', gh.baseUrl));
    assert.equal(page.url.pathname, '/account');
    assert.doesNotMatch(page.html!, /action="\/account\/password"/);
    const answer = await post(browser, new URL('/account/password', gh.baseUrl), {
      csrf: hiddenFields(page.html!).csrf!,
      current_password: 'erin password 123',
      new_password: 'another password',
      new_password_again: 'another password',
    });
    assert.equal(answer.status, 403);
    assert.equal(alertText(await answer.text()), 'Passwords are not used to sign in to this server, so there is none to change.');
    assert.equal((await gh.gatehouse.storage.users.findById(admin.id))!.passwordHash, admin.passwordHash);
  });
});
