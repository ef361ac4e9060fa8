// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client_id that is an https URL
// names a JSON document describing the client. Gatehouse fetches it (or knows it, when pinned), validates it,
// caches it as its publisher asks, and keeps a copy in the clients table so grants can point at it.
import { LRUCache } from 'lru-cache';
import type { Client, ClientMetadata, ClientsRepository } from '../storage/clients.js';
import { parseClientMetadata, type MetadataRules } from './client-metadata.js';
import { InvalidClient } from '../errors.js';
import { fetchJson, OutboundFetchError } from './outbound-fetch.js';

const FETCH = { timeoutMs: 5000, maxBytes: 5 * 1024 };
const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 24 * 3600_000;
const MAX_ENTRIES = 1000;

const invalidDocument = (url: string) => (description: string) =>
  new InvalidClient(`the client metadata document at ${url} is not valid: ${description}`, { reason: 'metadata_document' });

const documentRules = (url: string): MetadataRules => ({
  authMethods: ['none', 'private_key_jwt'],
  defaultAuthMethod: 'none',
  invalid: invalidDocument(url),
  invalidRedirect: invalidDocument(url),
});

/** Whether a client_id names a metadata document: an https URL with a path, no fragment, credentials or dot segments. */
export function isMetadataDocumentUrl(clientId: string, allowLocal = false): boolean {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  const schemeOk = url.protocol === 'https:' || (allowLocal && url.protocol === 'http:');
  return (
    schemeOk && url.pathname !== '/' && !clientId.includes('#') && !url.username && !url.password && !/\/\.\.?(\/|$)/.test(clientId.slice(url.origin.length))
  );
}

/** Validates a document: RFC 7591 metadata whose client_id is the URL it came from, with a name and no secret. */
export function parseMetadataDocument(url: string, body: unknown): ClientMetadata {
  const rules = documentRules(url);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw rules.invalid('it is not a JSON object');
  const document = body as Record<string, unknown>;
  if (document.client_id !== url) throw rules.invalid(`its client_id is ${JSON.stringify(document.client_id)}, not the URL of the document`);
  if (typeof document.client_name !== 'string' || !document.client_name.trim()) throw rules.invalid('client_name is missing');
  if ('client_secret' in document) throw rules.invalid('a public document cannot carry a client_secret');
  const { client_id: _id, ...metadata } = document;
  return parseClientMetadata(metadata, rules);
}

/** How long the publisher lets us keep the document: Cache-Control max-age less Age, at most 24 h. */
export function cacheLifetimeMs(cacheControl: string | undefined, age: number): number {
  const directives = (cacheControl ?? '').toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)\b/.test(directives)) return 0;
  const maxAge = /(?:^|[\s,])max-age=(\d+)/.exec(directives);
  const ttl = maxAge ? (Number(maxAge[1]) - age) * 1000 : DEFAULT_TTL_MS;
  return Math.max(0, Math.min(ttl, MAX_TTL_MS));
}

/** A cache the instances share (Redis), so a document is fetched once for all of them. */
export interface SharedCache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<unknown>;
}

export interface MetadataDocumentsOptions {
  clients: ClientsRepository;
  pinned: readonly Record<string, unknown>[];
  /** Development and tests only: fetch http:// documents and private addresses. */
  allowLocal: boolean;
  shared?: SharedCache | undefined;
}

export class MetadataDocuments {
  private readonly pinned = new Map<string, ClientMetadata>();
  private readonly cache = new LRUCache<string, Client>({ max: MAX_ENTRIES });

  constructor(private readonly options: MetadataDocumentsOptions) {
    for (const document of options.pinned) {
      const url = String(document.client_id);
      this.pinned.set(url, parseMetadataDocument(url, document));
    }
  }

  /** Stores the pinned documents, so grants can reference them before any of them is used. */
  async storePinned(now = Date.now()): Promise<void> {
    for (const [clientId, metadata] of this.pinned) await this.options.clients.put({ clientId, kind: 'metadata_document', secretHash: null, metadata }, now);
  }

  /** Whether Gatehouse vouches for this document: it ships with it, or the operator configured it. */
  isPinned(clientId: string): boolean {
    return this.pinned.has(clientId);
  }

  /** The pinned documents' metadata, whose names and redirect URIs are known (see known-clients.ts). */
  pinnedMetadata(): ClientMetadata[] {
    return [...this.pinned.values()];
  }

  isDocumentUrl(clientId: string): boolean {
    return this.pinned.has(clientId) || isMetadataDocumentUrl(clientId, this.options.allowLocal);
  }

  /** The client a document describes; throws InvalidClient, saying why, when it cannot be had or is not valid. */
  async resolve(url: string): Promise<Client> {
    const pinned = this.pinned.get(url);
    if (pinned) return { clientId: url, kind: 'metadata_document', secretHash: null, metadata: pinned, createdAt: 0, registrationTokenHash: null };
    const now = Date.now();
    const cached = this.cache.get(url);
    if (cached) return cached;
    const shared = await this.fromSharedCache(url);
    if (shared) return shared;

    let fetched;
    try {
      fetched = await fetchJson(url, { ...FETCH, allowLocal: this.options.allowLocal });
    } catch (error) {
      if (error instanceof OutboundFetchError) {
        throw new InvalidClient(`the client metadata document could not be used: ${error.publicReason}`, {
          reason: 'metadata_document',
          detail: `${url}: ${error.message}`,
        });
      }
      throw error;
    }
    const metadata = parseMetadataDocument(url, fetched.body);
    const client: Client = { clientId: url, kind: 'metadata_document', secretHash: null, metadata, createdAt: now, registrationTokenHash: null };
    await this.options.clients.put(client, now);
    const ttl = cacheLifetimeMs(fetched.cacheControl, fetched.age);
    this.remember(url, client, now + ttl);
    if (ttl > 0) await this.options.shared?.set(`cimd:${url}`, JSON.stringify({ metadata, expiresAt: now + ttl }), ttl).catch(() => undefined);
    return client;
  }

  /** A document another instance fetched and validated (and stored in the shared database) within its lifetime. */
  private async fromSharedCache(url: string): Promise<Client | undefined> {
    const value = await this.options.shared?.get(`cimd:${url}`).catch(() => null);
    if (!value) return undefined;
    const { metadata, expiresAt } = JSON.parse(value) as { metadata: ClientMetadata; expiresAt: number };
    const client: Client = { clientId: url, kind: 'metadata_document', secretHash: null, metadata, createdAt: Date.now(), registrationTokenHash: null };
    this.remember(url, client, expiresAt);
    return client;
  }

  private remember(url: string, client: Client, expiresAt: number): void {
    // lru-cache keeps an entry with no time to live forever: a document not to be cached is forgotten instead.
    const ttl = expiresAt - Date.now();
    if (ttl > 0) this.cache.set(url, client, { ttl });
    else this.cache.delete(url);
  }
}
