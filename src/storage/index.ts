// The storage facade: one database, one repository per aggregate.
import { sql } from 'kysely';
import { AuditRepository } from './audit.js';
import { ClientsRepository } from './clients.js';
import { CodesRepository } from './codes.js';
import { migrateToLatest, openDatabase, type Db } from './database.js';
import { GrantsRepository } from './grants.js';
import { IdentitiesRepository } from './identities.js';
import { NotesRepository } from './notes.js';
import { RevocationEvents } from './revocation-events.js';
import { SessionsRepository } from './sessions.js';
import { SigningKeysRepository } from './signing-keys.js';
import { UpstreamSecretsRepository } from './upstream-secrets.js';
import { UpstreamSessionsRepository } from './upstream-sessions.js';
import { UsersRepository } from './users.js';

export interface Storage {
  db: Db;
  users: UsersRepository;
  identities: IdentitiesRepository;
  clients: ClientsRepository;
  grants: GrantsRepository;
  codes: CodesRepository;
  sessions: SessionsRepository;
  signingKeys: SigningKeysRepository;
  notes: NotesRepository;
  audit: AuditRepository;
  /** What users gave for upstream MCP servers (sealed before it reaches storage). */
  upstreamSecrets: UpstreamSecretsRepository;
  /** The upstream sessions every instance runs, refreshed by their heartbeats. */
  upstreamSessions: UpstreamSessionsRepository;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StorageOptions {
  poolSize?: number;
  onError?: (error: Error) => void;
  /** How many times to try reaching the database at start (a managed database may come up after the app). */
  connectAttempts?: number;
  /** Told before each further attempt, so that a wait at start is not a silent one. */
  onRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', '57P03', '08001', '08006']);
const isConnectionError = (error: unknown): boolean =>
  CONNECTION_ERRORS.has((error as { code?: string }).code ?? '') ||
  /Connection terminated|timeout exceeded when trying to connect/i.test(String((error as Error).message)) ||
  ((error as Error).cause !== undefined && isConnectionError((error as Error).cause));

export async function openStorage(databaseUrl: string, options: StorageOptions = {}): Promise<Storage> {
  const db = openDatabase(databaseUrl, { poolSize: options.poolSize ?? 10, onError: options.onError ?? (() => undefined) });
  const attempts = options.connectAttempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(db);
      break;
    } catch (error) {
      if (attempt >= attempts || !isConnectionError(error)) {
        await db.destroy();
        throw error;
      }
      const delayMs = Math.min(500 * attempt, 5000);
      options.onRetry?.(error as Error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  const revocations = new RevocationEvents();
  const audit = new AuditRepository(db);
  return {
    db,
    users: new UsersRepository(db),
    identities: new IdentitiesRepository(db),
    clients: new ClientsRepository(db, revocations),
    grants: new GrantsRepository(db, revocations),
    codes: new CodesRepository(db),
    sessions: new SessionsRepository(db),
    signingKeys: new SigningKeysRepository(db),
    notes: new NotesRepository(db),
    audit,
    upstreamSecrets: new UpstreamSecretsRepository(db),
    upstreamSessions: new UpstreamSessionsRepository(db),
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await audit.flush();
      await db.destroy();
    },
  };
}

export type { Client, ClientMetadata } from './clients.js';
export type { AuthorizationCode } from './codes.js';
export type { Grant, RefreshToken } from './grants.js';
export type { Note } from './notes.js';
export { isActive, type User } from './users.js';
export type { UpstreamIdentity, UserProfile } from './identities.js';
export type { StoredSecretName, UpstreamSecretsRepository } from './upstream-secrets.js';
export type { UpstreamSessionRow, UpstreamSessionsRepository } from './upstream-sessions.js';
export type { ClientsRepository } from './clients.js';
export type { AuditEvent, AuditEventType } from './audit.js';
