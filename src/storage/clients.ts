import type { Db } from './database.js';
import type { RevocationEvents } from './revocation-events.js';
import type { ClientKind } from './schema.js';
import { statement } from './statements.js';

export type { ClientKind };

/** RFC 7591 §2 client metadata, as Gatehouse registered (or fetched) it. */
export interface ClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: 'none' | 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt';
  grant_types: string[];
  response_types: string[];
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  scope?: string;
  contacts?: string[];
  tos_uri?: string;
  policy_uri?: string;
  software_id?: string;
  software_version?: string;
  application_type?: string;
  jwks_uri?: string;
  jwks?: { keys: Record<string, unknown>[] };
}

export interface Client {
  clientId: string;
  kind: ClientKind;
  secretHash: string | null;
  metadata: ClientMetadata;
  createdAt: number;
  registrationTokenHash: string | null;
}

type ClientRow = {
  client_id: string;
  kind: ClientKind;
  secret_hash: string | null;
  metadata: string;
  created_at: number;
  registration_token_hash: string | null;
};

const toClient = (row: ClientRow): Client => ({
  clientId: row.client_id,
  kind: row.kind,
  secretHash: row.secret_hash,
  metadata: JSON.parse(row.metadata) as ClientMetadata,
  createdAt: Number(row.created_at),
  registrationTokenHash: row.registration_token_hash,
});

const insertClient = statement(
  (db, values: { clientId: string; kind: ClientKind; secretHash: string | null; metadata: string; createdAt: number; registrationTokenHash: string | null }) =>
    db.insertInto('clients').values({
      client_id: values.clientId,
      kind: values.kind,
      secret_hash: values.secretHash,
      metadata: values.metadata,
      created_at: values.createdAt,
      registration_token_hash: values.registrationTokenHash,
      updated_at: null,
    }),
);
const findClient = statement((db, values: { clientId: string }) => db.selectFrom('clients').selectAll().where('client_id', '=', values.clientId));
const listPreregistered = statement((db) => db.selectFrom('clients').selectAll().where('kind', '=', 'preregistered'));
const listClients = statement((db) => db.selectFrom('clients').selectAll().orderBy('created_at', 'desc'));
const putClient = statement((db, values: { clientId: string; kind: ClientKind; secretHash: string | null; metadata: string; now: number }) =>
  db
    .insertInto('clients')
    .values({
      client_id: values.clientId,
      kind: values.kind,
      secret_hash: values.secretHash,
      metadata: values.metadata,
      created_at: values.now,
      registration_token_hash: null,
      updated_at: values.now,
    })
    .onConflict((oc) =>
      oc.column('client_id').doUpdateSet({ kind: values.kind, secret_hash: values.secretHash, metadata: values.metadata, updated_at: values.now }),
    ),
);
const updateMetadata = statement((db, values: { clientId: string; metadata: string; now: number }) =>
  db.updateTable('clients').set({ metadata: values.metadata, updated_at: values.now }).where('client_id', '=', values.clientId),
);
const grantsInForce = statement((db, values: { clientId: string }) =>
  db.selectFrom('grants').select('id').where('client_id', '=', values.clientId).where('revoked_at', 'is', null),
);
const deleteClient = statement((db, values: { clientId: string }) => db.deleteFrom('clients').where('client_id', '=', values.clientId));
const deleteAbandoned = statement((db, values: { createdBefore: number; recent: number }) =>
  db
    .deleteFrom('clients')
    .where('kind', '=', 'dynamic')
    .where('created_at', '<', values.createdBefore)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('grants as g')
            .select('g.id')
            .whereRef('g.client_id', '=', 'clients.client_id')
            .where((g) =>
              g.or([
                g('g.revoked_at', '>', values.recent),
                g.and([
                  g('g.revoked_at', 'is', null),
                  g.or([
                    g('g.created_at', '>', values.recent),
                    g.exists(
                      g.selectFrom('refresh_tokens as t').select('t.token_hash').whereRef('t.grant_id', '=', 'g.id').where('t.expires_at', '>', values.recent),
                    ),
                  ]),
                ]),
              ]),
            ),
        ),
      ),
    ),
);

export class ClientsRepository {
  constructor(
    private readonly db: Db,
    private readonly revocations: RevocationEvents,
  ) {}

  async create(client: Client): Promise<void> {
    await insertClient.run(this.db, {
      clientId: client.clientId,
      kind: client.kind,
      secretHash: client.secretHash,
      metadata: JSON.stringify(client.metadata),
      createdAt: client.createdAt,
      registrationTokenHash: client.registrationTokenHash,
    });
  }

  async find(clientId: string): Promise<Client | undefined> {
    const row = await findClient.first(this.db, { clientId });
    return row && toClient(row);
  }

  /** The clients an operator created with a fixed id (CLIENTS_FILE, `gatehouse clients add`): a handful. */
  async listPreregistered(): Promise<Client[]> {
    return (await listPreregistered.all(this.db)).map(toClient);
  }

  async list(): Promise<Client[]> {
    return (await listClients.all(this.db)).map(toClient);
  }

  /**
   * Writes a client that lives outside the registration endpoint (a pre-registered client, or the cached copy of a
   * metadata document) under its fixed id, replacing what was stored for it.
   */
  async put(client: Pick<Client, 'clientId' | 'kind' | 'secretHash' | 'metadata'>, now: number): Promise<void> {
    await putClient.run(this.db, {
      clientId: client.clientId,
      kind: client.kind,
      secretHash: client.secretHash,
      metadata: JSON.stringify(client.metadata),
      now,
    });
  }

  /** Replaces a dynamically registered client's metadata (RFC 7592 §2.2). */
  async updateMetadata(clientId: string, metadata: ClientMetadata, now: number): Promise<void> {
    await updateMetadata.run(this.db, { clientId, metadata: JSON.stringify(metadata), now });
  }

  /**
   * Deletes the client; its codes, grants and refresh tokens go with it. Its grants in force are recorded as revoked
   * first, so that every resource server (polling revoked_grants) refuses their access tokens though the grants are
   * gone, and this process's listeners hear of each at once. Returns the grants revoked, or undefined when there was
   * no such client.
   */
  async delete(clientId: string, now = Date.now()): Promise<string[] | undefined> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      const grantIds = (await grantsInForce.all(trx, { clientId })).map((grant) => grant.id);
      if (grantIds.length > 0) {
        // Built per call: one row per grant.
        await trx
          .insertInto('revoked_grants')
          .values(grantIds.map((grantId) => ({ grant_id: grantId, revoked_at: now })))
          .onConflict((conflict) => conflict.column('grant_id').doNothing())
          .execute();
      }
      return (await deleteClient.run(trx, { clientId })) === 1 ? grantIds : undefined;
    });
    if (revoked) this.revocations.emit(revoked);
    return revoked;
  }

  /**
   * Removes dynamically registered clients nobody uses: older than `unusedMs` with no grant in force, and no grant
   * that was issued, revoked or could still be refreshed within the last `inactiveMs`.
   */
  async sweepAbandoned(now: number, { unusedMs, inactiveMs }: { unusedMs: number; inactiveMs: number }): Promise<number> {
    return deleteAbandoned.run(this.db, { createdBefore: now - unusedMs, recent: now - inactiveMs });
  }
}
