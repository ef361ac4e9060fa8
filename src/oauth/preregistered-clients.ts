// Clients the operator creates with a fixed id (and secret): for Claude's "Advanced settings → OAuth Client ID /
// Secret", and for clients that can do neither dynamic registration nor metadata documents. They come from the
// CLIENTS_FILE configuration file (with extra pinned metadata documents) or from `gatehouse clients add`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { randomToken, sha256 } from '../crypto.js';
import type { ClientMetadata, ClientsRepository } from '../storage/clients.js';
import { parseClientMetadata, type MetadataRules } from './client-metadata.js';
import { InvalidClientMetadata, InvalidRedirectUri } from '../errors.js';

export interface PreregisteredClient {
  client_id: string;
  /** Plain text in the file or on the command line; stored only as its hash. */
  client_secret?: string | undefined;
  metadata: ClientMetadata;
}

const PREREGISTERED_RULES: MetadataRules = {
  authMethods: ['none', 'client_secret_post', 'client_secret_basic'],
  defaultAuthMethod: 'client_secret_basic',
  invalid: (description) => new InvalidClientMetadata(description),
  invalidRedirect: (description) => new InvalidRedirectUri(description),
};

const Entry = z
  .object({
    // Not a URL: a URL-shaped client_id means a metadata document.
    client_id: z.string().regex(/^[A-Za-z0-9._~-]{1,200}$/, 'use 1 to 200 letters, digits, ".", "_", "~" or "-"'),
    client_secret: z.string().min(16, 'use at least 16 characters').max(512).optional(),
  })
  .passthrough();

/** Validates one pre-registered client; a client with a secret authenticates with it (post or basic). */
export function parsePreregisteredClient(input: unknown): PreregisteredClient {
  const parsed = Entry.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidClientMetadata(`${issue.path.join('.') || 'client'}: ${issue.message}`);
  }
  const { client_id, client_secret, ...rest } = parsed.data;
  const defaults = { token_endpoint_auth_method: client_secret ? 'client_secret_basic' : 'none' };
  const metadata = parseClientMetadata({ ...defaults, ...rest }, PREREGISTERED_RULES);
  if ((metadata.token_endpoint_auth_method === 'none') !== (client_secret === undefined)) {
    throw new InvalidClientMetadata(`${client_id}: a client with a secret authenticates with it, and a public client (none) has none`);
  }
  return { client_id, client_secret, metadata };
}

export async function storePreregisteredClient(clients: ClientsRepository, client: PreregisteredClient, now = Date.now()): Promise<void> {
  await clients.put(
    { clientId: client.client_id, kind: 'preregistered', secretHash: client.client_secret ? sha256(client.client_secret) : null, metadata: client.metadata },
    now,
  );
}

/** A secret for a new pre-registered client when the operator gives none. */
export const generateClientSecret = () => randomToken(32);

export interface ClientsFile {
  clients: PreregisteredClient[];
  /** Metadata documents to serve from configuration instead of fetching them. */
  metadataDocuments: Record<string, unknown>[];
}

export function readClientsFile(path: string): ClientsFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`CLIENTS_FILE ${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  const file = z
    .object({ clients: z.array(z.unknown()).default([]), metadata_documents: z.array(z.record(z.string(), z.unknown())).default([]) })
    .safeParse(json);
  if (!file.success) throw new ConfigError(`CLIENTS_FILE ${path}: expected {"clients": [...], "metadata_documents": [...]}`);
  try {
    return { clients: file.data.clients.map(parsePreregisteredClient), metadataDocuments: file.data.metadata_documents };
  } catch (error) {
    throw new ConfigError(`CLIENTS_FILE ${path}: ${(error as Error).message}`);
  }
}
