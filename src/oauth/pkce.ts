// PKCE (RFC 7636), S256 only: OAuth 2.1 and the MCP spec forbid "plain".
import { createHash } from 'node:crypto';
import { safeEqual } from '../crypto.js';

/** A S256 challenge is BASE64URL(SHA-256(verifier)): exactly 43 characters. */
export const isS256Challenge = (challenge: string) => /^[A-Za-z0-9_-]{43}$/.test(challenge);

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
export const isValidVerifier = (verifier: string) => /^[A-Za-z0-9._~-]{43,128}$/.test(verifier);

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function verifierMatches(verifier: string, challenge: string): boolean {
  return isValidVerifier(verifier) && safeEqual(s256(verifier), challenge);
}
