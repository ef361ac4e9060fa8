import type { Db } from './database.js';

/** RFC 7591 §2 client metadata, as Gatehouse registered it. */
export interface ClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: 'none' | 'client_secret_post' | 'client_secret_basic';
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
}

export interface Client {
  clientId: string;
  secretHash: string | null;
  metadata: ClientMetadata;
  createdAt: number;
}

export class ClientsRepository {
  constructor(private readonly db: Db) {}

  async create(client: Client): Promise<void> {
    await this.db
      .insertInto('clients')
      .values({
        client_id: client.clientId,
        secret_hash: client.secretHash,
        metadata: JSON.stringify(client.metadata),
        created_at: client.createdAt,
      })
      .execute();
  }

  async find(clientId: string): Promise<Client | undefined> {
    const row = await this.db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    if (!row) return undefined;
    return {
      clientId: row.client_id,
      secretHash: row.secret_hash,
      metadata: JSON.parse(row.metadata) as ClientMetadata,
      createdAt: Number(row.created_at),
    };
  }
}
