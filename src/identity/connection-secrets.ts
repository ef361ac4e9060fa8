// The per-user secrets upstream MCP servers declare (a GitHub token, an API key): pasted once on /account, kept
// AES-256-GCM encrypted with a key derived from JWT_SECRET, handed to the gateway decrypted when it calls the server,
// and otherwise never shown, logged or audited.
import { decrypt, encrypt } from '../keys/secrets.js';
import type { UpstreamSecretsRepository } from '../storage/upstream-secrets.js';

export const MAX_SECRET_LENGTH = 8192;

/** A value refused before it is stored; `message` is safe to show (it never contains the value). */
export class InvalidSecretValue extends Error {
  override readonly name = 'InvalidSecretValue';
}

export interface SecretStatus {
  name: string;
  description: string;
  saved: boolean;
  updatedAt?: number;
}

// Values end up in environment variables and HTTP headers, where a line break or NUL would smuggle in another.
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** The value as it will be stored: trimmed, non-empty, bounded, on one line. */
export function checkSecretValue(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidSecretValue('The value is empty: paste the secret itself.');
  if (trimmed.length > MAX_SECRET_LENGTH) throw new InvalidSecretValue(`The value is longer than ${MAX_SECRET_LENGTH} characters.`);
  if (CONTROL_CHARACTERS.test(trimmed)) throw new InvalidSecretValue('The value contains a line break or another control character.');
  return trimmed;
}

interface Slot {
  userId: string;
  server: string;
  name: string;
}

export class ConnectionSecrets {
  constructor(
    private readonly repo: UpstreamSecretsRepository,
    private readonly key: Buffer,
  ) {}

  /** Stores (or replaces) the user's value; throws InvalidSecretValue for one that cannot be a secret. */
  async save(userId: string, server: string, name: string, value: string, now = Date.now()): Promise<void> {
    const checked = checkSecretValue(value);
    await this.repo.save(userId, server, name, this.seal({ userId, server, name }, checked), now);
  }

  /** True when there was a value to remove. */
  remove(userId: string, server: string, name: string): Promise<boolean> {
    return this.repo.remove(userId, server, name);
  }

  /**
   * Each declared secret, in the declared order, and whether the user has a usable value for it. A value that no
   * longer opens (JWT_SECRET changed) counts as not set, so the page asks for it again.
   */
  async status(userId: string, server: string, declared: Record<string, string>): Promise<SecretStatus[]> {
    const [stored, values] = await Promise.all([this.repo.names(userId, server), this.values(userId, server)]);
    const updatedAt = new Map(stored.map((entry) => [entry.name, entry.updatedAt]));
    return Object.entries(declared).map(([name, description]) => {
      const saved = Object.hasOwn(values, name);
      return { name, description, saved, ...(saved && { updatedAt: updatedAt.get(name)! }) };
    });
  }

  /** The user's values for the server, decrypted, by name; values that do not open are left out. */
  async values(userId: string, server: string): Promise<Record<string, string>> {
    const sealed = await this.repo.sealedValues(userId, server);
    const opened = Object.entries(sealed).map(([name, value]) => [name, this.open({ userId, server, name }, value)] as const);
    return Object.fromEntries(opened.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
  }

  // The sealed text names its slot, so a ciphertext copied into another user's (or server's) row does not open there.
  private seal(slot: Slot, value: string): string {
    return encrypt(this.key, JSON.stringify([slot.userId, slot.server, slot.name, value]));
  }

  private open(slot: Slot, sealed: string): string | undefined {
    try {
      const [userId, server, name, value] = JSON.parse(decrypt(this.key, sealed)) as unknown[];
      return userId === slot.userId && server === slot.server && name === slot.name && typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
}
