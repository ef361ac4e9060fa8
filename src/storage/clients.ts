import { compiled } from './compiled.js';
import type { Db } from './database.js';
import type { RevocationEvents } from './revocation-events.js';
import type { ClientKind } from './schema.js';

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

export class ClientsRepository {
  /** Read on every authorization and token request: compiled once (see compiled.ts). */
  readonly #find;

  constructor(
    private readonly db: Db,
    private readonly revocations: RevocationEvents,
  ) {
    this.#find = compiled(db, ['clientId'], (slot) => db.selectFrom('clients').selectAll().where('client_id', '=', slot('clientId')));
  }

  async create(client: Client): Promise<void> {
    await this.db
      .insertInto('clients')
      .values({
        client_id: client.clientId,
        kind: client.kind,
        secret_hash: client.secretHash,
        metadata: JSON.stringify(client.metadata),
        created_at: client.createdAt,
        registration_token_hash: client.registrationTokenHash,
        updated_at: null,
      })
      .execute();
  }

  async find(clientId: string): Promise<Client | undefined> {
    const [row] = (await this.#find(this.db, { clientId })).rows;
    return row && toClient(row);
  }

  /** The clients an operator created with a fixed id (CLIENTS_FILE, `gatehouse clients add`): a handful. */
  async listPreregistered(): Promise<Client[]> {
    const rows = await this.db.selectFrom('clients').selectAll().where('kind', '=', 'preregistered').execute();
    return rows.map(toClient);
  }

  async list(): Promise<Client[]> {
    const rows = await this.db.selectFrom('clients').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map(toClient);
  }

  /**
   * Writes a client that lives outside the registration endpoint (a pre-registered client, or the cached copy of a
   * metadata document) under its fixed id, replacing what was stored for it.
   */
  async put(client: Pick<Client, 'clientId' | 'kind' | 'secretHash' | 'metadata'>, now: number): Promise<void> {
    await this.db
      .insertInto('clients')
      .values({
        client_id: client.clientId,
        kind: client.kind,
        secret_hash: client.secretHash,
        metadata: JSON.stringify(client.metadata),
        created_at: now,
        registration_token_hash: null,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('client_id').doUpdateSet({ kind: client.kind, secret_hash: client.secretHash, metadata: JSON.stringify(client.metadata), updated_at: now }),
      )
      .execute();
  }

  /** Replaces a dynamically registered client's metadata (RFC 7592 §2.2). */
  async updateMetadata(clientId: string, metadata: ClientMetadata, now: number): Promise<void> {
    await this.db
      .updateTable('clients')
      .set({ metadata: JSON.stringify(metadata), updated_at: now })
      .where('client_id', '=', clientId)
      .execute();
  }

  /**
   * Deletes the client; its codes, grants and refresh tokens go with it. Its grants in force are recorded as revoked
   * first, so that every resource server (polling revoked_grants) refuses their access tokens though the grants are
   * gone, and this process's listeners hear of each at once. Returns the grants revoked, or undefined when there was
   * no such client.
   */
  async delete(clientId: string, now = Date.now()): Promise<string[] | undefined> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      const inForce = await trx.selectFrom('grants').select('id').where('client_id', '=', clientId).where('revoked_at', 'is', null).execute();
      const grantIds = inForce.map((grant) => grant.id);
      if (grantIds.length > 0) {
        await trx
          .insertInto('revoked_grants')
          .values(grantIds.map((grantId) => ({ grant_id: grantId, revoked_at: now })))
          .onConflict((conflict) => conflict.column('grant_id').doNothing())
          .execute();
      }
      const result = await trx.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
      return result.numDeletedRows === 1n ? grantIds : undefined;
    });
    if (revoked) this.revocations.emit(revoked);
    return revoked;
  }

  /**
   * Removes dynamically registered clients nobody uses: older than `unusedMs` with no grant in force, and no grant
   * that was issued, revoked or could still be refreshed within the last `inactiveMs`.
   */
  async sweepAbandoned(now: number, { unusedMs, inactiveMs }: { unusedMs: number; inactiveMs: number }): Promise<number> {
    const recent = now - inactiveMs;
    const result = await this.db
      .deleteFrom('clients')
      .where('kind', '=', 'dynamic')
      .where('created_at', '<', now - unusedMs)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('grants as g')
              .select('g.id')
              .whereRef('g.client_id', '=', 'clients.client_id')
              .where((g) =>
                g.or([
                  g('g.revoked_at', '>', recent),
                  g.and([
                    g('g.revoked_at', 'is', null),
                    g.or([
                      g('g.created_at', '>', recent),
                      g.exists(
                        g.selectFrom('refresh_tokens as t').select('t.token_hash').whereRef('t.grant_id', '=', 'g.id').where('t.expires_at', '>', recent),
                      ),
                    ]),
                  ]),
                ]),
              ),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
