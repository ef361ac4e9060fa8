// The storage facade: one database, one repository per aggregate.
import { sql } from 'kysely';
import { AuditRepository } from './audit.js';
import { ClientsRepository } from './clients.js';
import { CodesRepository } from './codes.js';
import { migrateToLatest, openDatabase, type Db } from './database.js';
import { GrantsRepository } from './grants.js';
import { NotesRepository } from './notes.js';
import { SessionsRepository } from './sessions.js';
import { SigningKeysRepository } from './signing-keys.js';
import { UsersRepository } from './users.js';

export interface Storage {
  db: Db;
  users: UsersRepository;
  clients: ClientsRepository;
  grants: GrantsRepository;
  codes: CodesRepository;
  sessions: SessionsRepository;
  signingKeys: SigningKeysRepository;
  notes: NotesRepository;
  audit: AuditRepository;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openStorage(databaseUrl: string): Promise<Storage> {
  const db = openDatabase(databaseUrl);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    db,
    users: new UsersRepository(db),
    clients: new ClientsRepository(db),
    grants: new GrantsRepository(db),
    codes: new CodesRepository(db),
    sessions: new SessionsRepository(db),
    signingKeys: new SigningKeysRepository(db),
    notes: new NotesRepository(db),
    audit: new AuditRepository(db),
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

export type { Client, ClientMetadata } from './clients.js';
export type { AuthorizationCode } from './codes.js';
export type { Grant, RefreshToken } from './grants.js';
export type { Note } from './notes.js';
export type { User } from './users.js';
export type { ClientsRepository } from './clients.js';
export type { AuditEvent, AuditEventType } from './audit.js';
