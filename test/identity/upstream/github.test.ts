// Sign-in with GitHub, against a local stand-in of its OAuth endpoints and REST API: users and organisations on the
// allowlist get in, everyone else is refused, and the MCP client still goes through Gatehouse's consent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, hiddenFields } from '../../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../../helpers/gatehouse.js';
import { GITHUB_APP, startGitHubStandIn, type GitHubAccount, type GitHubStandIn } from '../../helpers/github-stand-in.js';
import { authorizationUrl, callTool, codeExchange, jsonRpcResult, pkce, registerClient, tokenRequest } from '../../helpers/oauth.js';

const OCTOCAT: GitHubAccount = { id: 583231, login: 'octocat', name: 'The Octocat', orgs: ['github', 'Acme-Corp'] };
const HUBOT: GitHubAccount = { id: 480938, login: 'Hubot', name: 'Hubot', orgs: [] };
const OUTSIDER: GitHubAccount = { id: 1, login: 'outsider', name: 'Outsider', orgs: ['other'] };

describe('sign-in with GitHub', () => {
  let github: GitHubStandIn;
  let gh: TestGatehouse;

  before(async () => {
    github = await startGitHubStandIn();
    gh = await startGatehouse({
      AUTH_MODE: 'github',
      GITHUB_CLIENT_ID: GITHUB_APP.clientId,
      GITHUB_CLIENT_SECRET: GITHUB_APP.clientSecret,
      GITHUB_ALLOWED_ORGS: 'acme-corp',
      GITHUB_ALLOWED_USERS: 'hubot',
      GITHUB_URL: github.url,
      GITHUB_API_URL: github.apiUrl,
    });
  });
  after(async () => {
    await gh?.close();
    await github?.close();
  });

  /** An MCP client's authorization request, signed in at GitHub as `account`; returns where the browser lands. */
  async function connectAs(account: GitHubAccount) {
    github.signInAs(account);
    const client = await registerClient(gh);
    const { verifier, challenge } = pkce();
    const browser = new Browser();
    const login = await browser.go(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256' }));
    const link = /href="(\/login\/github\?[^"]+)"/.exec(login.html!)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(link, 'the sign-in page offers GitHub');
    const toGitHub = await browser.go(new URL(link, gh.baseUrl));
    assert.equal(toGitHub.leftTo?.origin, github.url);
    const back = await browser.go(toGitHub.leftTo!);
    return { client, verifier, browser, login, landed: await browser.go(back.leftTo!) };
  }

  it('offers only GitHub when passwords are off, and refuses a password post', async () => {
    const page = await new Browser().go(new URL('/login', gh.baseUrl));
    assert.match(page.html!, /Sign in with GitHub/);
    assert.doesNotMatch(page.html!, /type="password"/);
    const posted = await gh.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=admin&password=x',
    });
    assert.equal(posted.status, 403);
    assert.equal(await gh.gatehouse.storage.users.count(), 0, 'no password account is seeded without AUTH_MODE=local');
  });

  it('admits a member of an allowed organisation, who then connects through Gatehouse’s consent', async () => {
    const { client, verifier, browser, landed } = await connectAs(OCTOCAT);
    assert.equal(landed.url.pathname, '/consent');
    const approved = await browser.submit(new URL('/consent', gh.baseUrl), { ...hiddenFields(landed.html!), decision: 'approve' });
    const tokens = await (await tokenRequest(gh, codeExchange(client, approved.leftTo!.searchParams.get('code')!, verifier))).json();
    const whoami = await jsonRpcResult(await callTool(gh.mcpUrl, tokens.access_token, 'whoami'));
    assert.equal(whoami.result.structuredContent.username, 'octocat');
    const identity = await gh.gatehouse.storage.db
      .selectFrom('user_identities')
      .selectAll()
      .where('subject', '=', String(OCTOCAT.id))
      .executeTakeFirstOrThrow();
    assert.equal(identity.issuer, github.url);
    assert.equal(identity.tokens_encrypted, null, 'GitHub’s token is not kept unless KEEP_UPSTREAM_TOKENS=true');
  });

  it('admits an allowed user whatever the case of their login', async () => {
    const { landed } = await connectAs(HUBOT);
    assert.equal(landed.url.pathname, '/consent');
  });

  it('refuses anyone else, and creates no user for them', async () => {
    const { landed } = await connectAs(OUTSIDER);
    assert.equal(landed.page!.status, 403);
    assert.match(landed.html!, /Your GitHub account \(outsider\) may not use this server/);
    assert.equal(await gh.gatehouse.storage.users.findByUsername('outsider'), undefined);
  });

  it('refuses a callback whose state was tampered with', async () => {
    github.signInAs(OCTOCAT);
    const browser = new Browser();
    const toGitHub = await browser.go(new URL('/login/github', gh.baseUrl));
    const forged = new URL(toGitHub.leftTo!);
    forged.searchParams.set('state', 'forged-state');
    const back = await browser.go(forged);
    const landed = await browser.go(back.leftTo!);
    assert.equal(landed.page!.status, 400);
    assert.match(landed.html!, /could not be verified/);
  });
});
