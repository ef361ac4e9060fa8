// Sign-in at any OpenID Connect provider (Keycloak, Auth0, Okta, Entra ID, Google…) with `openid-client`:
// discovery, authorization code with PKCE, state and nonce, a validated ID token, userinfo when the ID token is thin.
// Discovery happens at the first sign-in, and again after a failure, so a provider that is down does not stop
// Gatehouse from starting.
import * as oidc from 'openid-client';
import type { OidcSettings } from '../../auth-config.js';
import { UpstreamLoginFailed, type Attempt, type SignInResult, type UpstreamSignIn, type UpstreamTokens } from './provider.js';

const TIMEOUT_SECONDS = 10;

export class OidcSignIn implements UpstreamSignIn {
  readonly id = 'oidc';
  readonly label: string;
  readonly issuer: string;
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings) {
    this.label = settings.label;
    this.issuer = settings.issuer;
  }

  async authorizationUrl(attempt: Attempt, codeChallenge: string): Promise<URL> {
    return oidc.buildAuthorizationUrl(await this.config(), {
      redirect_uri: attempt.redirectUri,
      scope: this.settings.scopes.join(' '),
      state: attempt.state,
      nonce: attempt.nonce,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async complete(callbackUrl: URL, attempt: Attempt): Promise<SignInResult> {
    const config = await this.config();
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: attempt.codeVerifier,
        expectedState: attempt.state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof oidc.AuthorizationResponseError) {
        throw new UpstreamLoginFailed(`${this.label} did not sign you in (${error.error}).`, error.error === 'access_denied', { cause: error });
      }
      throw new UpstreamLoginFailed(`The answer from ${this.label} could not be verified.`, false, { cause: error });
    }
    let claims: Record<string, unknown> = { ...tokens.claims()! };
    // Some providers put email and groups only in userinfo (Okta's default, Auth0 without a rule).
    if ((claims.email === undefined || claims[this.settings.groupsClaim] === undefined) && config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub)).catch(() => undefined);
      claims = { ...info, ...claims };
    }
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const groups = this.groupsIn(claims);
    const identity = {
      issuer: this.issuer,
      subject: String(claims.sub),
      preferredUsername: String(claims.preferred_username ?? email ?? claims.sub),
      email,
      name: typeof claims.name === 'string' ? claims.name : undefined,
      groups,
    };
    return { identity, admitted: this.admits(claims, groups), tokens: toTokens(tokens) };
  }

  async refresh(tokens: UpstreamTokens): Promise<UpstreamTokens> {
    if (!tokens.refreshToken) throw new UpstreamLoginFailed(`${this.label} gave no refresh token; sign in again.`);
    const refreshed = await oidc.refreshTokenGrant(await this.config(), tokens.refreshToken);
    return { ...toTokens(refreshed), refreshToken: refreshed.refresh_token ?? tokens.refreshToken };
  }

  /**
   * Everyone, or an email in an allowed domain (only when the provider says it is verified: an unverified email
   * is whatever the person typed), or membership of an allowed group.
   */
  private admits(claims: Record<string, unknown>, memberOf: string[]): boolean {
    const { allow } = this.settings;
    if (allow.anyone) return true;
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
    if (email && claims.email_verified === true && allow.names.includes(email.slice(email.lastIndexOf('@') + 1))) return true;
    return memberOf.some((group) => allow.groups.includes(group));
  }

  /** The groups claim (GROUPS_CLAIM) as a list: providers send an array, or a single string. */
  private groupsIn(claims: Record<string, unknown>): string[] {
    const groups = claims[this.settings.groupsClaim];
    return Array.isArray(groups) ? groups.map(String) : typeof groups === 'string' ? [groups] : [];
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = undefined;
      throw new UpstreamLoginFailed(`${this.label} cannot be reached right now; try again in a moment.`, false, { cause: error });
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const insecure = new URL(this.issuer).protocol === 'http:'; // a provider on a loopback address (config allows no other)
    const options = { timeout: TIMEOUT_SECONDS, ...(insecure && { execute: [oidc.allowInsecureRequests] }) };
    const discovered = await oidc.discovery(new URL(this.issuer), this.settings.clientId, undefined, oidc.None(), options);
    const config = new oidc.Configuration(discovered.serverMetadata(), this.settings.clientId, undefined, this.clientAuth(discovered.serverMetadata()));
    config.timeout = TIMEOUT_SECONDS;
    if (insecure) oidc.allowInsecureRequests(config);
    return config;
  }

  /** client_secret_basic, the default every provider supports, unless the provider lists only client_secret_post. */
  private clientAuth(server: oidc.ServerMetadata): oidc.ClientAuth {
    const secret = this.settings.clientSecret;
    if (!secret) return oidc.None();
    const methods = server.token_endpoint_auth_methods_supported;
    return methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
      ? oidc.ClientSecretPost(secret)
      : oidc.ClientSecretBasic(secret);
  }
}

function toTokens(response: oidc.TokenEndpointResponse): UpstreamTokens {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: response.expires_in !== undefined ? Date.now() + response.expires_in * 1000 : undefined,
  };
}
