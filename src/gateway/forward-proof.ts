// How instances prove to each other that a forwarded call comes from one of them: an HMAC, with a key derived from
// JWT_SECRET, over the instance it is meant for, when it was made, a one-time nonce and the body's digest. A proof
// is good for one request to one instance within a short window: a copied proof replayed, sent to another
// instance, or stuck onto another body is refused.
import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export const PROOF_HEADER = 'gatehouse-forward-proof';

/** How far apart two instances' clocks and a request's travel may be. */
const WINDOW_MS = 30_000;

export type ProofCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'signature' | 'replayed' };

export class ForwardProof {
  /** The nonces seen within the window: each proof is accepted once. */
  readonly #seen = new LRUCache<string, true>({ max: 100_000, ttl: 2 * WINDOW_MS });
  /** Imported once: given as bytes, the key would be imported again for every proof. */
  readonly #key: KeyObject;

  constructor(
    key: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.#key = createSecretKey(key);
  }

  /** The proof for sending `body` to the instance `to`. */
  sign(to: string, body: string): string {
    const issuedAt = this.now();
    const nonce = randomBytes(16).toString('base64url');
    return `v1.${issuedAt}.${nonce}.${this.#mac(to, issuedAt, nonce, body)}`;
  }

  /** Checks a proof that came with `body`, meant for this instance (`self`). */
  verify(self: string, body: string, proof: string | undefined): ProofCheck {
    if (!proof) return { ok: false, reason: 'missing' };
    const [version, issued, nonce, mac, ...rest] = proof.split('.');
    const issuedAt = Number(issued);
    if (version !== 'v1' || rest.length > 0 || !nonce || !mac || !Number.isSafeInteger(issuedAt)) return { ok: false, reason: 'malformed' };
    if (Math.abs(this.now() - issuedAt) > WINDOW_MS) return { ok: false, reason: 'expired' };
    const expected = Buffer.from(this.#mac(self, issuedAt, nonce, body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
    if (this.#seen.has(nonce)) return { ok: false, reason: 'replayed' };
    this.#seen.set(nonce, true);
    return { ok: true };
  }

  #mac(to: string, issuedAt: number, nonce: string, body: string): string {
    const digest = createHash('sha256').update(body).digest('base64url');
    return createHmac('sha256', this.#key).update(`v1\n${to}\n${issuedAt}\n${nonce}\n${digest}`).digest('base64url');
  }
}
