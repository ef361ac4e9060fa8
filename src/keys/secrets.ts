// Everything secret that Gatehouse derives from JWT_SECRET, each purpose with its own key (HKDF, RFC 5869),
// so a key leaked from one use cannot forge another.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export type SecretPurpose =
  | 'signing-key-encryption'
  | 'authorization-request'
  | 'csrf'
  | 'mcp-request-state'
  | 'upstream-login'
  | 'upstream-tokens'
  | 'upstream-secrets'
  | 'gateway-forward';

export function deriveKey(masterSecret: string, purpose: SecretPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', masterSecret, 'gatehouse', purpose, 32));
}

/** AES-256-GCM; the output is iv.ciphertext.tag in base64url. */
export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

export function decrypt(key: Buffer, sealed: string): string {
  const [iv, ciphertext, tag] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !ciphertext || !tag) throw new Error('malformed ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}
