// Schema migrations, applied in order at start. Only portable types (text, bigint) and portable constraints, so
// the same list serves SQLite and PostgreSQL. Never edit a shipped migration: add the next one.
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// Each migration sees the schema as it stood at its own time, not today's, so it takes Kysely<any> (as Kysely's
// migration docs do).
/* eslint-disable @typescript-eslint/no-explicit-any */

export const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();

      await db.schema
        .createTable('clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('grants_user').on('grants').column('user_id').execute();
      await db.schema.createIndex('grants_revoked_at').on('grants').column('revoked_at').execute();

      await db.schema
        .createTable('authorization_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('grant_id', 'text', (c) => c.references('grants.id').onDelete('set null'))
        .execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull().references('grants.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('rotated_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_grant').on('refresh_tokens').column('grant_id').execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('notes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notes_user').on('notes').columns(['user_id', 'created_at']).execute();
    },
  },
  '0002_client_kinds': {
    async up(db: Kysely<any>) {
      // How a client came to be: registered dynamically, pre-registered by the operator, or described by its own
      // metadata document (a cached copy, so grants can reference it).
      await db.schema
        .alterTable('clients')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('dynamic'))
        .execute();
      // RFC 7592: the hash of the token that lets a dynamically registered client read, update or delete itself.
      await db.schema.alterTable('clients').addColumn('registration_token_hash', 'text').execute();
      await db.schema.alterTable('clients').addColumn('updated_at', 'bigint').execute();
      await db.schema.createIndex('clients_kind_created').on('clients').columns(['kind', 'created_at']).execute();
      await db.schema.createIndex('grants_client').on('grants').column('client_id').execute();
    },
  },
  '0003_rotation_audit_usage': {
    async up(db: Kysely<any>) {
      // Key rotation: a new key is published first and signs only from activates_at; retired_at may lie ahead.
      await db.schema.alterTable('signing_keys').addColumn('activates_at', 'bigint').execute();
      await db
        .updateTable('signing_keys')
        .set((eb) => ({ activates_at: eb.ref('created_at') }))
        .execute();
      // When a grant last had tokens issued (exchange or refresh), shown on the account page.
      await db.schema.alterTable('grants').addColumn('last_used_at', 'bigint').execute();
      await db
        .updateTable('grants')
        .set((eb) => ({ last_used_at: eb.ref('created_at') }))
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
    },
  },
  '0004_notes_search_text': {
    async up(db: Kysely<any>) {
      // Lower-cased in JavaScript, which folds every script: SQLite's lower() and LIKE fold ASCII only.
      await db.schema
        .alterTable('notes')
        .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      const notes = await db.selectFrom('notes').select(['id', 'title', 'body']).execute();
      for (const note of notes) {
        await db
          .updateTable('notes')
          .set({ search_text: `${note.title}\n${note.body}`.toLowerCase() })
          .where('id', '=', note.id)
          .execute();
      }
    },
  },
  '0005_user_identities': {
    async up(db: Kysely<any>) {
      // Who a user is at an upstream identity provider (an OIDC issuer, GitHub, an external authorization server):
      // the pair (issuer, subject) names one Gatehouse user, whatever their email or username becomes.
      await db.schema
        .createTable('user_identities')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('email', 'text')
        .addColumn('name', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_login_at', 'bigint', (c) => c.notNull())
        // The provider's tokens for this user, AES-256-GCM encrypted, when tools may call its API on their behalf.
        .addColumn('tokens_encrypted', 'text')
        .addPrimaryKeyConstraint('user_identities_pk', ['issuer', 'subject'])
        .execute();
      await db.schema.createIndex('user_identities_user').on('user_identities').column('user_id').execute();
    },
  },
  '0006_revoked_grants': {
    async up(db: Kysely<any>) {
      // Revocations outlive the grants they revoke: deleting a client deletes its grants, and the resource servers
      // (every instance) must still learn that those grants' access tokens are dead.
      await db.schema
        .createTable('revoked_grants')
        .addColumn('grant_id', 'text', (c) => c.primaryKey())
        .addColumn('revoked_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('revoked_grants_at').on('revoked_grants').column('revoked_at').execute();
      await db
        .insertInto('revoked_grants')
        .columns(['grant_id', 'revoked_at'])
        .expression(db.selectFrom('grants').select(['id', 'revoked_at']).where('revoked_at', 'is not', null))
        .execute();
    },
  },
  '0007_upstream_secrets': {
    async up(db: Kysely<any>) {
      // What a user pasted on /account for an upstream MCP server (a GitHub token it needs), AES-256-GCM encrypted.
      // The key leads with user_id, so one user's secrets for one server are one range of it.
      await db.schema
        .createTable('upstream_secrets')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('server', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value_encrypted', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('upstream_secrets_pk', ['user_id', 'server', 'name'])
        .execute();
      // The groups the provider named at the last sign-in (JSON array), for access rules that name groups.
      await db.schema.alterTable('user_identities').addColumn('groups', 'text').execute();
    },
  },
  '0008_upstream_sessions': {
    async up(db: Kysely<any>) {
      // The upstream sessions each instance runs, for `gatehouse servers list` and the other instances to see. Rows
      // are refreshed by their instance's heartbeat; an instance that died without forgetting its own is swept.
      await db.schema
        .createTable('upstream_sessions')
        .addColumn('instance_id', 'text', (c) => c.notNull())
        // hostname:pid, for people: the id is a fresh UUID at every start.
        .addColumn('instance_label', 'text', (c) => c.notNull())
        .addColumn('server', 'text', (c) => c.notNull())
        // A user id, or `*` for a shared server's one session.
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('upstream_sessions_pk', ['instance_id', 'server', 'owner'])
        .execute();
      await db.schema.createIndex('upstream_sessions_seen_at').on('upstream_sessions').column('seen_at').execute();
    },
  },
  '0009_session_details': {
    async up(db: Kysely<any>) {
      // What the account page shows of each signed-in browser: when it was last seen (updated at most every few
      // minutes) and a summary of its user agent ("Firefox on Linux"), never the whole header. Sessions from before
      // this migration have neither.
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint').execute();
      await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();
      // The account page lists a user's sessions, and a password change ends them.
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
    },
  },
};
