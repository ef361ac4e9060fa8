// A small local stand-in for GitHub's OAuth endpoints and the two REST calls Gatehouse makes (the real service
// cannot be reached from tests). It checks what GitHub checks: the client secret, the code, its redirect URI and
// the PKCE verifier; whoever the test names signs in, with the organisations the test gives them.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITHUB_APP = { clientId: 'Iv1.gatehouse-test', clientSecret: 'github-test-secret' };

export interface GitHubAccount {
  id: number;
  login: string;
  name: string;
  orgs: string[];
}

export interface GitHubStandIn {
  url: string;
  apiUrl: string;
  /** Who signs in at the next authorization request. */
  signInAs(account: GitHubAccount): void;
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
};

export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  let account: GitHubAccount | undefined;
  const codes = new Map<string, { account: GitHubAccount; redirectUri: string; challenge: string | null }>();
  const tokens = new Map<string, GitHubAccount>();

  const server = createServer(async (request, response) => {
    const url = new URL(request.url!, 'http://stand-in');
    const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      if (url.searchParams.get('client_id') !== GITHUB_APP.clientId || !account) return response.writeHead(404).end();
      const code = randomBytes(10).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri')!;
      codes.set(code, { account, redirectUri, challenge: url.searchParams.get('code_challenge') });
      const back = new URL(redirectUri);
      back.search = new URLSearchParams({ code, state: url.searchParams.get('state') ?? '' }).toString();
      return response.writeHead(302, { location: back.href }).end();
    }
    if (request.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const form = await readBody(request);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifierOk =
        grant?.challenge &&
        createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url') === grant.challenge;
      // GitHub answers 200 with an error member, not a 400.
      if (form.get('client_id') !== GITHUB_APP.clientId || form.get('client_secret') !== GITHUB_APP.clientSecret)
        return json(200, { error: 'incorrect_client_credentials' });
      if (!grant || grant.redirectUri !== form.get('redirect_uri') || !verifierOk) return json(200, { error: 'bad_verification_code' });
      const accessToken = `gho_${randomBytes(16).toString('hex')}`;
      tokens.set(accessToken, grant.account);
      return json(200, { access_token: accessToken, token_type: 'bearer', scope: 'read:org,read:user,user:email' });
    }
    const user = tokens.get((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (request.method === 'GET' && url.pathname.startsWith('/api/')) {
      if (!user) return json(401, { message: 'Bad credentials' });
      if (!request.headers['user-agent']) return json(403, { message: 'a User-Agent is required' });
      if (url.pathname === '/api/user') return json(200, { id: user.id, login: user.login, name: user.name, email: null });
      if (url.pathname === '/api/user/orgs')
        return json(
          200,
          user.orgs.map((login, index) => ({ login, id: 1000 + index })),
        );
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiUrl: `${url}/api`,
    signInAs: (next) => (account = next),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
