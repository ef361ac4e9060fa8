// The secrets users give for upstream MCP servers, sealed by the caller before they get here: this repository
// only ever sees ciphertext. Every query is scoped by user id and server.
import type { Db } from './database.js';

export interface StoredSecretName {
  name: string;
  updatedAt: number;
}

export class UpstreamSecretsRepository {
  constructor(private readonly db: Db) {}

  /** Stores the secret, replacing any earlier value of the same name. */
  async save(userId: string, server: string, name: string, valueEncrypted: string, now = Date.now()): Promise<void> {
    await this.db
      .insertInto('upstream_secrets')
      .values({ user_id: userId, server, name, value_encrypted: valueEncrypted, updated_at: now })
      .onConflict((conflict) => conflict.columns(['user_id', 'server', 'name']).doUpdateSet({ value_encrypted: valueEncrypted, updated_at: now }))
      .execute();
  }

  /** True when there was a secret to remove. */
  async remove(userId: string, server: string, name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('upstream_secrets')
      .where('user_id', '=', userId)
      .where('server', '=', server)
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Which secrets the user has stored for the server, and when each was last set (never the values). */
  async names(userId: string, server: string): Promise<StoredSecretName[]> {
    const rows = await this.db
      .selectFrom('upstream_secrets')
      .select(['name', 'updated_at'])
      .where('user_id', '=', userId)
      .where('server', '=', server)
      .orderBy('name')
      .execute();
    return rows.map((row) => ({ name: row.name, updatedAt: Number(row.updated_at) }));
  }

  /** The user's sealed secrets for the server, by name. */
  async sealedValues(userId: string, server: string): Promise<Record<string, string>> {
    const rows = await this.db
      .selectFrom('upstream_secrets')
      .select(['name', 'value_encrypted'])
      .where('user_id', '=', userId)
      .where('server', '=', server)
      .execute();
    return Object.fromEntries(rows.map((row) => [row.name, row.value_encrypted]));
  }
}
