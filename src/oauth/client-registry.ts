// Where the authorization server finds a client: its own table (registered or pre-registered), or, for a
// client_id that is a URL, the client's metadata document.
import type { Client, ClientsRepository } from '../storage/clients.js';
import type { MetadataDocuments } from './metadata-documents.js';

export interface ClientLookup {
  find(clientId: string): Promise<Client | undefined>;
}

export class ClientRegistry implements ClientLookup {
  constructor(
    private readonly clients: ClientsRepository,
    private readonly documents: MetadataDocuments,
  ) {}

  find(clientId: string): Promise<Client | undefined> {
    return this.documents.isDocumentUrl(clientId) ? this.documents.resolve(clientId) : this.clients.find(clientId);
  }
}
