// The groups a provider names at sign-in are remembered for access rules: GitHub's organisations (lower case,
// read even when the allowlist admits the person by name) and the OIDC groups claim, replaced at each sign-in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser } from '../../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../../helpers/gatehouse.js';
import { GITHUB_APP, startGitHubStandIn, type GitHubAccount, type GitHubStandIn } from '../../helpers/github-stand-in.js';
import { RP, signInAtProvider, startOidcProvider, type TestProvider } from '../../helpers/oidc-provider.js';

const userIdOf = async (gh: TestGatehouse, subject: string) =>
  (await gh.gatehouse.storage.db.selectFrom('user_identities').select('user_id').where('subject', '=', subject).executeTakeFirstOrThrow()).user_id;

describe('groups from GitHub', () => {
  let github: GitHubStandIn;
  let gh: TestGatehouse;
  before(async () => {
    github = await startGitHubStandIn();
    gh = await startGatehouse({
      AUTH_MODE: 'github',
      GITHUB_CLIENT_ID: GITHUB_APP.clientId,
      GITHUB_CLIENT_SECRET: GITHUB_APP.clientSecret,
      GITHUB_ALLOWED_USERS: 'octocat',
      GITHUB_URL: github.url,
      GITHUB_API_URL: github.apiUrl,
    });
  });
  after(async () => {
    await gh?.close();
    await github?.close();
  });

  async function signIn(account: GitHubAccount) {
    github.signInAs(account);
    const browser = new Browser();
    const toGitHub = await browser.go(new URL('/login/github', gh.baseUrl));
    const back = await browser.go(toGitHub.leftTo!);
    return browser.go(back.leftTo!);
  }

  it('stores the organisations in lower case, and replaces them at the next sign-in', async () => {
    const octocat = { id: 583231, login: 'octocat', name: 'The Octocat', orgs: ['GitHub', 'Acme-Corp'] };
    const landed = await signIn(octocat);
    assert.notEqual(landed.page?.status, 403, 'admitted by name');
    const userId = await userIdOf(gh, String(octocat.id));
    assert.deepEqual((await gh.gatehouse.storage.identities.profile(userId)).groups, ['acme-corp', 'github']);

    await signIn({ ...octocat, orgs: ['GitHub'] });
    assert.deepEqual((await gh.gatehouse.storage.identities.profile(userId)).groups, ['github'], 'a left organisation stops counting');
  });
});

describe('groups from an OpenID provider', () => {
  let idp: TestProvider;
  let gh: TestGatehouse;
  before(async () => {
    idp = await startOidcProvider();
    gh = await startGatehouse({
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: RP.clientId,
      OIDC_CLIENT_SECRET: RP.clientSecret,
      OIDC_SCOPES: 'openid email profile groups',
      OIDC_ALLOWED_DOMAINS: 'example.com',
    });
    await idp.configure({ redirectUris: [`${gh.baseUrl}/login/oidc/callback`] });
  });
  after(async () => {
    await gh?.close();
    await idp?.close();
  });

  it('stores the groups claim, with the email', async () => {
    const browser = new Browser();
    const toProvider = await browser.go(new URL('/login/oidc', gh.baseUrl));
    await browser.go(await signInAtProvider(browser, toProvider.leftTo!, 'alice'));
    const userId = await userIdOf(gh, 'alice');
    assert.deepEqual(await gh.gatehouse.storage.identities.profile(userId), { email: 'alice@example.com', groups: ['engineering'] });
  });
});
