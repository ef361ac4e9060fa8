// The clients whose names Gatehouse vouches for: the well-known ones (Claude, Claude Code, ChatGPT), every pinned
// metadata document and every pre-registered client, each with the redirect URIs that are its own. Open registration
// lets anyone name a client; a name that is one of these, with a redirect URI that is not that client's, is an
// impostor (consent phishing: "Allow Claude to access your account?" that sends the code to the attacker).
import type { Client, ClientMetadata, ClientsRepository } from '../storage/clients.js';
import type { MetadataDocuments } from './metadata-documents.js';
import { CLAUDE_CALLBACKS } from './pinned-documents.js';
import { matchesRegisteredRedirect } from './redirect-uri.js';

export interface KnownClient {
  name: string;
  redirectUris: readonly string[];
}

/** Clients people know by name that register dynamically (DESIGN.md, "What real clients do"). */
const WELL_KNOWN: KnownClient[] = [
  { name: 'Claude', redirectUris: CLAUDE_CALLBACKS },
  // Loopback: any port (RFC 8252 §7.3).
  { name: 'Claude Code', redirectUris: ['http://localhost/callback', 'http://127.0.0.1/callback'] },
  { name: 'ChatGPT', redirectUris: ['https://chatgpt.com/connector_platform_oauth_redirect'] },
];

/**
 * How a name is compared: Unicode-normalised, case-folded, with everything but letters and digits dropped and the
 * look-alikes people use for impersonation folded together ("CIaude", "C l a u d e", "Claude\u200b" are all Claude).
 */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/[1i|]/g, 'l')
    .replace(/0/g, 'o');
}

/** Who stands behind a client's name, and the known client it poses as, if any. */
export interface ClientTrust {
  /** verified: pinned or pre-registered; published: a fetched metadata document; unverified: registered by itself. */
  level: 'verified' | 'published' | 'unverified';
  impersonates?: KnownClient;
}

export class KnownClients {
  private readonly fixed: KnownClient[];

  /** `documents` holds the pinned metadata documents; `clients` is where the pre-registered clients live. */
  constructor(
    private readonly documents: Pick<MetadataDocuments, 'isPinned' | 'pinnedMetadata'>,
    private readonly clients: Pick<ClientsRepository, 'listPreregistered'>,
  ) {
    const pinned = documents.pinnedMetadata().filter((doc) => doc.client_name);
    this.fixed = [...WELL_KNOWN, ...pinned.map((doc) => ({ name: doc.client_name!, redirectUris: doc.redirect_uris }))];
  }

  async trustOf(client: Client): Promise<ClientTrust> {
    if (client.kind === 'preregistered' || (client.kind === 'metadata_document' && this.documents.isPinned(client.clientId))) return { level: 'verified' };
    const impersonates = await this.impersonatedBy(client.metadata);
    return { level: client.kind === 'metadata_document' ? 'published' : 'unverified', ...(impersonates && { impersonates }) };
  }

  /** The known client `metadata` names itself after without being it (a redirect URI that is not one of its own). */
  async impersonatedBy(metadata: Pick<ClientMetadata, 'client_name' | 'redirect_uris'>): Promise<KnownClient | undefined> {
    if (!metadata.client_name) return undefined;
    const key = nameKey(metadata.client_name);
    const preregistered = (await this.clients.listPreregistered()).filter((client) => client.metadata.client_name).map(asKnown);
    const sameName = [...this.fixed, ...preregistered].filter((known) => nameKey(known.name) === key);
    if (sameName.length === 0) return undefined;
    const isOneOfThem = sameName.some((known) => metadata.redirect_uris.every((uri) => matchesRegisteredRedirect(uri, known.redirectUris)));
    return isOneOfThem ? undefined : sameName[0];
  }
}

const asKnown = (client: Client): KnownClient => ({ name: client.metadata.client_name!, redirectUris: client.metadata.redirect_uris });
