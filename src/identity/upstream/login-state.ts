// The pending upstream sign-in, between sending the browser to the provider and its return: state, nonce and PKCE
// verifier, the provider, and the authorization request to resume. It lives in the browser, encrypted (the
// verifier is a secret) and short-lived, in a SameSite=Lax cookie that the provider's redirect back carries.
import type { Context } from 'hono';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Cookies } from '../cookies.js';
import type { Attempt } from './provider.js';

const COOKIE = 'gatehouse_upstream';
const TTL_SECONDS = 600;

export interface PendingLogin extends Attempt {
  provider: string;
  /** The sealed authorization request the sign-in interrupted, if any. */
  request?: string | undefined;
}

export class LoginState {
  constructor(
    private readonly key: Uint8Array,
    private readonly cookies: Cookies,
  ) {}

  async save(c: Context, pending: PendingLogin): Promise<void> {
    const sealed = await new EncryptJWT({ ...pending })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${TTL_SECONDS}s`)
      .encrypt(this.key);
    this.cookies.set(c, COOKIE, sealed, TTL_SECONDS);
  }

  /** The pending sign-in for `provider`, consumed: a callback can be completed once. */
  async take(c: Context, provider: string): Promise<PendingLogin | undefined> {
    const sealed = this.cookies.get(c, COOKIE);
    this.cookies.delete(c, COOKIE);
    if (!sealed) return undefined;
    try {
      const { payload } = await jwtDecrypt<PendingLogin>(sealed, this.key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
      return payload.provider === provider ? payload : undefined;
    } catch {
      return undefined;
    }
  }
}
