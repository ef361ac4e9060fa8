// ES256 signing keys: created on first start, private halves encrypted at rest, public halves published as JWKS.
// Rotation publishes a new key before it signs anything and keeps old keys published until the tokens they signed
// have expired; every instance re-reads the keys periodically, and at once when a token names a key it lacks.
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
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
import type { SigningKeysRepository, StoredSigningKey } from '../storage/signing-keys.js';
import { decrypt, deriveKey, encrypt } from './secrets.js';

const ALG = 'ES256';
const RELOAD_INTERVAL_MS = 30_000;
const MIN_RELOAD_GAP_MS = 5_000;

/** A stored private key that JWT_SECRET does not open: the secret differs from the one the key was stored with. */
export class SigningKeysUnreadable extends Error {
  override readonly name = 'SigningKeysUnreadable';
  constructor(readonly kid: string) {
    super(`The signing key ${kid} cannot be decrypted: JWT_SECRET differs from the one it was created with`);
  }
}

interface LoadedKey {
  kid: string;
  activatesAt: number;
  privateKey: CryptoKey;
}

export class KeyStore {
  private signing: LoadedKey[] = [];
  private published: JSONWebKeySet = { keys: [] };
  private publishedKids = new Set<string>();
  private keySet = createLocalJWKSet({ keys: [] });
  private lastReload = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly repository: SigningKeysRepository,
    private readonly encryptionKey: Buffer,
  ) {}

  /** Loads the published keys, creating the first one when there is none, and keeps them fresh. */
  static async open(repository: SigningKeysRepository, masterSecret: string, options: { watch?: boolean } = {}): Promise<KeyStore> {
    const store = new KeyStore(repository, deriveKey(masterSecret, 'signing-key-encryption'));
    if ((await repository.listPublished(Date.now())).length === 0) await repository.insertFirst(await createKey(store.encryptionKey, Date.now()), Date.now());
    await store.reload();
    if (options.watch) {
      store.timer = setInterval(() => void store.reload().catch(() => undefined), RELOAD_INTERVAL_MS);
      store.timer.unref();
    }
    return store;
  }

  /** The public keys: every key that is signing, about to sign, or still verifying what it signed. */
  get jwks(): JSONWebKeySet {
    return this.published;
  }

  /** Whether `kid` is still published: tokens of a retired key are refused, even where they were verified before. */
  publishes(kid: string): boolean {
    return this.publishedKids.has(kid);
  }

  /** Signs `payload` with the newest active key; the header names the key (`kid`) and the token type (`typ`). */
  async sign(payload: JWTPayload, typ: string): Promise<string> {
    const now = Date.now();
    const active = this.signing.filter((key) => key.activatesAt <= now).at(-1) ?? this.signing[0]!;
    return new SignJWT(payload).setProtectedHeader({ alg: ALG, kid: active.kid, typ }).sign(active.privateKey);
  }

  /** Verifies a token signed by a published key; only ES256 is accepted, whatever the header says. */
  async verify(token: string, options: Omit<JWTVerifyOptions, 'algorithms'>): Promise<JWTVerifyResult> {
    try {
      return await jwtVerify(token, this.keySet, { ...options, algorithms: [ALG] });
    } catch (error) {
      // A kid we lack may be one another instance (or the CLI) just published: look once, then decide.
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - this.lastReload < MIN_RELOAD_GAP_MS) throw error;
      await this.reload();
      return jwtVerify(token, this.keySet, { ...options, algorithms: [ALG] });
    }
  }

  async reload(): Promise<void> {
    const stored = await this.repository.listPublished(Date.now());
    const signing: LoadedKey[] = [];
    for (const key of stored) signing.push({ kid: key.kid, activatesAt: key.activatesAt, privateKey: await this.decryptPrivate(key) });
    this.signing = signing;
    this.published = { keys: stored.map((key) => JSON.parse(key.publicJwk) as JWK) };
    this.publishedKids = new Set(stored.map((key) => key.kid));
    this.keySet = createLocalJWKSet(this.published);
    this.lastReload = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async decryptPrivate(key: StoredSigningKey): Promise<CryptoKey> {
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(decrypt(this.encryptionKey, key.privateJwkEncrypted)) as JWK;
    } catch {
      throw new SigningKeysUnreadable(key.kid);
    }
    return (await importJWK(privateJwk, ALG)) as CryptoKey;
  }
}

export interface Rotation {
  kid: string;
  activatesAt: number;
  retiring: string[];
  retiresAt: number;
}

/**
 * Adds a signing key that starts signing after `activationDelayMs` (time for every verifier to fetch the new JWKS)
 * and schedules the current keys to leave the JWKS once the last token they may sign has expired. With a zero
 * delay and `retireNow`, the old keys go at once (a compromised key): tokens they signed stop working.
 */
export async function rotateKeys(
  repository: SigningKeysRepository,
  masterSecret: string,
  options: { activationDelayMs: number; accessTokenTtlMs: number; retireNow?: boolean },
): Promise<Rotation> {
  const now = Date.now();
  const key = await createKey(deriveKey(masterSecret, 'signing-key-encryption'), now + options.activationDelayMs);
  await repository.insert(key);
  const retiresAt = options.retireNow ? now : key.activatesAt + options.accessTokenTtlMs + 60_000;
  const retiring = await repository.scheduleRetirement(retiresAt, key.kid);
  return { kid: key.kid, activatesAt: key.activatesAt, retiring, retiresAt };
}

async function createKey(encryptionKey: Buffer, activatesAt: number) {
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
    activatesAt,
  };
}
