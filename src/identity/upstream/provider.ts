// The contract of an upstream sign-in (an OIDC provider, GitHub): send the browser there, then read who came back.
import type { UpstreamIdentity } from '../../storage/identities.js';

/** One sign-in attempt's secrets, kept in the browser's sealed cookie between the two legs. */
export interface Attempt {
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The provider's tokens for the user, kept only when tools may call its API (KEEP_UPSTREAM_TOKENS). */
export interface UpstreamTokens {
  accessToken: string;
  refreshToken?: string | undefined;
  /** Epoch milliseconds; unset when the token does not expire (a GitHub OAuth app's). */
  expiresAt?: number | undefined;
}

export interface SignInResult {
  identity: UpstreamIdentity;
  /** Whether the allowlist admits this person. */
  admitted: boolean;
  tokens: UpstreamTokens;
}

export interface UpstreamSignIn {
  /** The path segment: /login/{id}. */
  readonly id: 'oidc' | 'github';
  /** Shown on the button: "Sign in with {label}". */
  readonly label: string;
  /** The identity provider's name in stored identities (the OIDC issuer, GitHub's web origin). */
  readonly issuer: string;
  authorizationUrl(attempt: Attempt, codeChallenge: string): Promise<URL>;
  /** Reads the callback: throws UpstreamLoginFailed when it is an error, forged, or cannot be completed. */
  complete(callbackUrl: URL, attempt: Attempt): Promise<SignInResult>;
  /** A fresh access token from a refresh token, for tools that call the provider's API. */
  refresh(tokens: UpstreamTokens): Promise<UpstreamTokens>;
}

/** A sign-in that cannot be completed; `message` is safe to show, `cancelled` when the person said no upstream. */
export class UpstreamLoginFailed extends Error {
  override readonly name = 'UpstreamLoginFailed';
  constructor(
    message: string,
    readonly cancelled = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
