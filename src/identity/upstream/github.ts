// Sign-in with GitHub (an OAuth app; plain OAuth 2.0, no ID token) with `oauth4webapi`: authorization code with
// state and PKCE, then who the person is from the REST API (/user, and /user/orgs: the allowlist and access rules
// may name organisations).
// GITHUB_URL and GITHUB_API_URL point it at a GitHub Enterprise Server instead.
import * as oauth from 'oauth4webapi';
import type { GitHubSettings } from '../../auth-config.js';
import { UpstreamLoginFailed, type Attempt, type SignInResult, type UpstreamSignIn, type UpstreamTokens } from './provider.js';

const TIMEOUT_MS = 10_000;
/** Profile and email to know the person, read:org to see private organisation memberships. */
const SCOPES = 'read:user user:email read:org';

interface GitHubUser {
  id: number;
  login: string;
  name?: string | null;
  email?: string | null;
}

export class GitHubSignIn implements UpstreamSignIn {
  readonly id = 'github';
  readonly label = 'GitHub';
  readonly issuer: string;
  private readonly server: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly insecure: boolean;

  constructor(private readonly settings: GitHubSettings) {
    this.issuer = settings.webUrl;
    this.server = {
      issuer: settings.webUrl,
      authorization_endpoint: `${settings.webUrl}/login/oauth/authorize`,
      token_endpoint: `${settings.webUrl}/login/oauth/access_token`,
    };
    this.client = { client_id: settings.clientId };
    this.insecure = new URL(settings.webUrl).protocol === 'http:'; // a stand-in on a loopback address
  }

  async authorizationUrl(attempt: Attempt, codeChallenge: string): Promise<URL> {
    const url = new URL(this.server.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: this.settings.clientId,
      redirect_uri: attempt.redirectUri,
      scope: SCOPES,
      state: attempt.state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      allow_signup: 'false',
    }).toString();
    return url;
  }

  async complete(callbackUrl: URL, attempt: Attempt): Promise<SignInResult> {
    let tokens: UpstreamTokens;
    try {
      const params = oauth.validateAuthResponse(this.server, this.client, callbackUrl, attempt.state);
      const response = await oauth.authorizationCodeGrantRequest(
        this.server,
        this.client,
        oauth.ClientSecretPost(this.settings.clientSecret),
        params,
        attempt.redirectUri,
        attempt.codeVerifier,
        this.requestOptions(),
      );
      tokens = toTokens(await oauth.processAuthorizationCodeResponse(this.server, this.client, response));
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        throw new UpstreamLoginFailed(`GitHub did not sign you in (${error.error}).`, error.error === 'access_denied', { cause: error });
      }
      throw new UpstreamLoginFailed('The answer from GitHub could not be verified.', false, { cause: error });
    }
    const user = await this.api<GitHubUser>('/user', tokens.accessToken);
    // Read at every sign-in, not only for the allowlist: access rules may name organisations too.
    const orgs = (await this.api<{ login: string }[]>('/user/orgs?per_page=100', tokens.accessToken)).map((org) => org.login.toLowerCase());
    const identity = {
      issuer: this.issuer,
      subject: String(user.id),
      preferredUsername: user.login,
      email: user.email ?? undefined,
      name: user.name ?? undefined,
      groups: orgs,
    };
    return { identity, admitted: this.admits(user, orgs), tokens };
  }

  async refresh(tokens: UpstreamTokens): Promise<UpstreamTokens> {
    // Only tokens of apps with expiring user tokens have a refresh token; an OAuth app's never expire.
    if (!tokens.refreshToken) return tokens;
    const response = await oauth.refreshTokenGrantRequest(
      this.server,
      this.client,
      oauth.ClientSecretPost(this.settings.clientSecret),
      tokens.refreshToken,
      this.requestOptions(),
    );
    const refreshed = toTokens(await oauth.processRefreshTokenResponse(this.server, this.client, response));
    return { ...refreshed, refreshToken: refreshed.refreshToken ?? tokens.refreshToken };
  }

  private admits(user: GitHubUser, orgs: string[]): boolean {
    const { allow } = this.settings;
    if (allow.anyone || allow.names.includes(user.login.toLowerCase())) return true;
    return orgs.some((org) => allow.groups.includes(org));
  }

  private async api<T>(path: string, accessToken: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.settings.apiUrl + path, {
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/vnd.github+json',
          'user-agent': 'Gatehouse',
          'x-github-api-version': '2022-11-28',
        },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new UpstreamLoginFailed('GitHub cannot be reached right now; try again in a moment.', false, { cause: error });
    }
    if (!response.ok) throw new UpstreamLoginFailed(`GitHub refused to say who you are (${response.status}).`);
    return (await response.json()) as T;
  }

  private requestOptions() {
    return { signal: AbortSignal.timeout(TIMEOUT_MS), ...(this.insecure && { [oauth.allowInsecureRequests]: true }) };
  }
}

function toTokens(response: oauth.TokenEndpointResponse): UpstreamTokens {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: response.expires_in !== undefined ? Date.now() + response.expires_in * 1000 : undefined,
  };
}
