// The upstream provider's tokens for each user, kept (KEEP_UPSTREAM_TOKENS=true) so tools can call the provider's
// API on the user's behalf: encrypted at rest, refreshed shortly before they expire. The MCP client's own token is
// never sent upstream; this is a separate credential the user granted Gatehouse when signing in.
import { decrypt, encrypt } from '../../keys/secrets.js';
import type { IdentitiesRepository } from '../../storage/identities.js';
import type { UpstreamSignIn, UpstreamTokens } from './provider.js';

/** Refresh this long before expiry, so a tool never starts a call with a token about to lapse. */
const EARLY_MS = 60_000;

export class UpstreamTokenVault {
  /** Refreshes in progress, so concurrent tool calls refresh once (a rotated refresh token works only once). */
  private readonly refreshing = new Map<string, Promise<UpstreamTokens | undefined>>();

  constructor(
    private readonly identities: IdentitiesRepository,
    private readonly key: Buffer,
    private readonly providers: readonly UpstreamSignIn[],
  ) {}

  async store(provider: UpstreamSignIn, userId: string, tokens: UpstreamTokens): Promise<void> {
    await this.identities.storeTokens(provider.issuer, userId, encrypt(this.key, JSON.stringify(tokens)));
  }

  /** A current access token for `userId` at the provider (`oidc` or `github`), or undefined when none is kept. */
  async accessToken(providerId: string, userId: string): Promise<string | undefined> {
    const provider = this.providers.find((candidate) => candidate.id === providerId);
    if (!provider) return undefined;
    const sealed = await this.identities.tokens(provider.issuer, userId);
    if (!sealed) return undefined;
    const tokens = JSON.parse(decrypt(this.key, sealed)) as UpstreamTokens;
    if (tokens.expiresAt === undefined || tokens.expiresAt - EARLY_MS > Date.now()) return tokens.accessToken;
    const key = `${provider.issuer}\n${userId}`;
    let refresh = this.refreshing.get(key);
    if (!refresh) {
      refresh = this.renew(provider, userId, tokens).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, refresh);
    }
    return (await refresh)?.accessToken;
  }

  private async renew(provider: UpstreamSignIn, userId: string, tokens: UpstreamTokens): Promise<UpstreamTokens | undefined> {
    try {
      const renewed = await provider.refresh(tokens);
      await this.store(provider, userId, renewed);
      return renewed;
    } catch {
      // Refused (revoked upstream, expired refresh token): forget it; the next sign-in stores fresh tokens.
      await this.identities.storeTokens(provider.issuer, userId, null);
      return undefined;
    }
  }
}
