// ES256 signing keys: created on first start, private halves encrypted at rest, public halves published as JWKS.
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyOptions,
  type JWTVerifyResult,
} from 'jose';
import type { SigningKeysRepository } from '../storage/signing-keys.js';
import { decrypt, deriveKey, encrypt } from './secrets.js';

const ALG = 'ES256';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

export class KeyStore {
  private constructor(
    private readonly active: SigningKey,
    readonly jwks: JSONWebKeySet,
    private readonly keySet: ReturnType<typeof createLocalJWKSet>,
  ) {}

  /** Loads the published keys, creating the first one when there is none. */
  static async open(repository: SigningKeysRepository, masterSecret: string): Promise<KeyStore> {
    const encryptionKey = deriveKey(masterSecret, 'signing-key-encryption');
    let stored = await repository.listPublished();
    if (stored.length === 0) {
      await repository.insert(await createKey(encryptionKey));
      stored = await repository.listPublished();
    }
    const newest = stored[stored.length - 1]!;
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(decrypt(encryptionKey, newest.privateJwkEncrypted)) as JWK;
    } catch {
      throw new Error('The signing key cannot be decrypted: JWT_SECRET differs from the one it was created with');
    }
    const active = { kid: newest.kid, privateKey: (await importJWK(privateJwk, ALG)) as CryptoKey };
    const jwks: JSONWebKeySet = { keys: stored.map((key) => JSON.parse(key.publicJwk) as JWK) };
    return new KeyStore(active, jwks, createLocalJWKSet(jwks));
  }

  /** Signs `payload` with the active key; the header names the key (`kid`) and the token type (`typ`). */
  async sign(payload: JWTPayload, typ: string): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: ALG, kid: this.active.kid, typ }).sign(this.active.privateKey);
  }

  /** Verifies a token signed by one of the published keys; only ES256 is accepted, whatever the header says. */
  async verify(token: string, options: Omit<JWTVerifyOptions, 'algorithms'>): Promise<JWTVerifyResult> {
    return jwtVerify(token, this.keySet, { ...options, algorithms: [ALG] });
  }
}

async function createKey(encryptionKey: Buffer) {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' };
  return {
    kid,
    alg: ALG,
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg: ALG, use: 'sig' }),
    privateJwkEncrypted: encrypt(encryptionKey, JSON.stringify(privateJwk)),
    createdAt: Date.now(),
  };
}
