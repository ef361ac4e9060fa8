// Row shapes as Kysely sees them. Times are epoch milliseconds; JSON lives in text columns; "flags" are nullable
// timestamps, so the same schema runs unchanged on SQLite and PostgreSQL.
import type { ColumnType } from 'kysely';

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
}

export interface ClientsTable {
  client_id: string;
  /** SHA-256 of the client secret; null for public clients. */
  secret_hash: string | null;
  /** The registered metadata (RFC 7591 §2), as JSON. */
  metadata: string;
  created_at: number;
  kind: ColumnType<ClientKind, ClientKind | undefined, ClientKind>;
  registration_token_hash: string | null;
  updated_at: number | null;
}

export type ClientKind = 'dynamic' | 'preregistered' | 'metadata_document';

export interface GrantsTable {
  id: string;
  user_id: string;
  client_id: string;
  scope: string;
  resource: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  resource: string;
  expires_at: number;
  created_at: number;
  used_at: number | null;
  /** The grant the exchange created, so a replayed code can revoke what it issued. */
  grant_id: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  grant_id: string;
  created_at: number;
  expires_at: number;
  /** When this token was exchanged for its successor; it stays usable for the grace window after. */
  rotated_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  /** The private JWK, AES-256-GCM encrypted with a key derived from JWT_SECRET. */
  private_jwk_encrypted: string;
  created_at: number;
  /** When the key starts signing; it is published from creation. */
  activates_at: number | null;
  /** When the key leaves the JWKS (possibly in the future); tokens it signed are refused from then on. */
  retired_at: number | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  /** When the browser last used the session, to within a few minutes; null before it was recorded. */
  last_seen_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** The browser and system the session began in ("Firefox on Linux"), summarised from its User-Agent. */
  user_agent: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface NotesTable {
  id: string;
  user_id: string;
  title: string;
  body: string;
  created_at: number;
  /** Title and body lower-cased, for case-insensitive search in any script. */
  search_text: string;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  type: string;
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  /** Event details as JSON: never a secret. */
  detail: string | null;
}

export interface UserIdentitiesTable {
  /** The identity provider: an OIDC issuer, GitHub's web origin, or an external authorization server's issuer. */
  issuer: string;
  /** The user's stable id there (`sub`, GitHub's numeric id). */
  subject: string;
  user_id: string;
  email: string | null;
  name: string | null;
  created_at: number;
  last_login_at: number;
  /** The provider's tokens for this user, AES-256-GCM encrypted; null unless kept for tools. */
  tokens_encrypted: string | null;
  /** The groups (GitHub: organisations) the provider named at the last sign-in, as a JSON array; null if never told. */
  groups: string | null;
}

/** A secret a user gave for one upstream MCP server (a token it needs), AES-256-GCM encrypted. */
export interface UpstreamSecretsTable {
  user_id: string;
  /** The upstream server's name in the servers file. */
  server: string;
  /** The secret's name as the server declares it (`GITHUB_TOKEN`). */
  name: string;
  value_encrypted: string;
  updated_at: number;
}

/** A revocation, kept apart from the grant so that it survives the grant's deletion (with its client). */
export interface RevokedGrantsTable {
  grant_id: string;
  revoked_at: number;
}

/** One upstream session an instance runs (src/gateway/session-registry.ts), refreshed by its heartbeat. */
export interface UpstreamSessionsTable {
  /** A fresh UUID at every start of an instance. */
  instance_id: string;
  /** hostname:pid of the instance, for people. */
  instance_label: string;
  /** The upstream server's name in the servers file. */
  server: string;
  /** The user the session serves, or `*` for a shared server. */
  owner: string;
  /** The process, for a stdio server. */
  pid: number | null;
  started_at: number;
  seen_at: number;
}

export interface Database {
  users: UsersTable;
  clients: ClientsTable;
  grants: GrantsTable;
  authorization_codes: AuthorizationCodesTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  notes: NotesTable;
  audit_events: AuditEventsTable;
  user_identities: UserIdentitiesTable;
  revoked_grants: RevokedGrantsTable;
  upstream_secrets: UpstreamSecretsTable;
  upstream_sessions: UpstreamSessionsTable;
}
