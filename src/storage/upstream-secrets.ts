// The secrets users give for upstream MCP servers, sealed by the caller before they get here: this repository
// only ever sees ciphertext. Every query is scoped by user id and server.
import type { Db } from './database.js';
import { statement } from './statements.js';

export interface StoredSecretName {
  name: string;
  updatedAt: number;
}

const saveSecret = statement((db, values: { userId: string; server: string; name: string; valueEncrypted: string; now: number }) =>
  db
    .insertInto('upstream_secrets')
    .values({ user_id: values.userId, server: values.server, name: values.name, value_encrypted: values.valueEncrypted, updated_at: values.now })
    .onConflict((conflict) => conflict.columns(['user_id', 'server', 'name']).doUpdateSet({ value_encrypted: values.valueEncrypted, updated_at: values.now })),
);
const removeSecret = statement((db, values: { userId: string; server: string; name: string }) =>
  db.deleteFrom('upstream_secrets').where('user_id', '=', values.userId).where('server', '=', values.server).where('name', '=', values.name),
);
const secretNames = statement((db, values: { userId: string; server: string }) =>
  db.selectFrom('upstream_secrets').select(['name', 'updated_at']).where('user_id', '=', values.userId).where('server', '=', values.server).orderBy('name'),
);
const sealedValues = statement((db, values: { userId: string; server: string }) =>
  db.selectFrom('upstream_secrets').select(['name', 'value_encrypted']).where('user_id', '=', values.userId).where('server', '=', values.server),
);

export class UpstreamSecretsRepository {
  constructor(private readonly db: Db) {}

  /** Stores the secret, replacing any earlier value of the same name. */
  async save(userId: string, server: string, name: string, valueEncrypted: string, now = Date.now()): Promise<void> {
    await saveSecret.run(this.db, { userId, server, name, valueEncrypted, now });
  }

  /** True when there was a secret to remove. */
  async remove(userId: string, server: string, name: string): Promise<boolean> {
    return (await removeSecret.run(this.db, { userId, server, name })) > 0;
  }

  /** Which secrets the user has stored for the server, and when each was last set (never the values). */
  async names(userId: string, server: string): Promise<StoredSecretName[]> {
    const rows = await secretNames.all(this.db, { userId, server });
    return rows.map((row) => ({ name: row.name, updatedAt: Number(row.updated_at) }));
  }

  /** The user's sealed secrets for the server, by name. */
  async sealedValues(userId: string, server: string): Promise<Record<string, string>> {
    const rows = await sealedValues.all(this.db, { userId, server });
    return Object.fromEntries(rows.map((row) => [row.name, row.value_encrypted]));
  }
}
