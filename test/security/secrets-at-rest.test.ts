// Attacks the database at rest: after a full flow (a confidential client registers, the user signs in and approves,
// the code is exchanged, the refresh token rotated once, a note created), someone who copies the SQLite files (the
// database and its WAL) finds none of the live secrets in them, only their SHA-256 hashes, and cannot look any of
// them up by value.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { tableNames, TEST_DIALECT } from '../helpers/database.js';
import { ADMIN, CLAUDE_REGISTRATION, startGatehouse, TEST_JWT_SECRET, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, codeExchange, mcpPost, pkce, tokenRequest, type RegisteredClient, type Tokens } from '../helpers/oauth.js';
import { postForm, sha256 } from './support.js';

interface Registration extends RegisteredClient {
  client_secret: string;
  registration_access_token: string;
}

/** The value of a cookie set by a response. */
function setCookie(response: Response, name: string): string {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  assert.ok(line, `${name} is set`);
  return line.slice(name.length + 1).split(';')[0]!;
}

/** Everything on disk for this database: the main file, and the WAL (and its index) when there is one. */
function databaseBytes(dbFile: string): Buffer {
  return Buffer.concat([dbFile, `${dbFile}-wal`, `${dbFile}-shm`].filter((file) => existsSync(file)).map((file) => readFileSync(file)));
}

describe('secrets at rest', () => {
  let gh: TestGatehouse;
  let client: Registration;
  let code: string;
  let first: Tokens;
  let second: Tokens;
  let noteTitle: string;
  /** Every secret the flow produced, by name. */
  const secrets: Record<string, string> = {};

  before(async () => {
    gh = await startGatehouse();
    const registered = await gh.register({ ...CLAUDE_REGISTRATION, client_name: 'Secrets at rest' });
    assert.equal(registered.status, 201);
    client = (await registered.json()) as Registration;

    const browser = new Browser();
    const { verifier, challenge } = pkce();
    const login = await browser.go(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.equal(login.url.pathname, '/login');
    const signedIn = await postForm(browser, new URL('/login', gh.baseUrl), { ...hiddenFields(login.html!), ...ADMIN });
    assert.equal(signedIn.status, 303);
    const sessionId = setCookie(signedIn, 'gatehouse_session');
    const consent = await browser.go(new URL(signedIn.headers.get('location')!, gh.baseUrl));
    assert.equal(consent.url.pathname, '/consent');
    const approved = await browser.submit(new URL('/consent', gh.baseUrl), { ...hiddenFields(consent.html!), decision: 'approve' });
    code = approved.leftTo!.searchParams.get('code')!;

    const exchanged = await tokenRequest(gh, codeExchange(client, code, verifier));
    assert.equal(exchanged.status, 200);
    first = (await exchanged.json()) as Tokens;
    const refreshed = await tokenRequest(gh, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(refreshed.status, 200);
    second = (await refreshed.json()) as Tokens;

    noteTitle = `note ${randomUUID()}`;
    const note = await mcpPost(
      gh.mcpUrl,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes_create', arguments: { title: noteTitle, body: 'at rest' } } },
      second.access_token,
    );
    assert.equal(note.status, 200);
    await note.arrayBuffer();

    Object.assign(secrets, {
      client_secret: client.client_secret,
      registration_access_token: client.registration_access_token,
      'authorization code': code,
      'PKCE code_verifier': verifier,
      'first refresh token': first.refresh_token,
      'second refresh token': second.refresh_token,
      'first access token': first.access_token,
      'second access token': second.access_token,
      'first access token signature': first.access_token.split('.')[2]!,
      'second access token signature': second.access_token.split('.')[2]!,
      'session id': sessionId,
      'admin password': ADMIN.password,
      JWT_SECRET: TEST_JWT_SECRET,
    });
  });
  after(() => gh.close());

  it('keeps no secret in the database files, in text or as raw bytes', { skip: TEST_DIALECT === 'postgres' && 'reads the SQLite file' }, async () => {
    const bytes = databaseBytes(gh.dbFile!);
    // The files do hold this run's data, and the hashes of its secrets: the search looks where they would be.
    for (const present of [client.client_id, noteTitle, sha256(code), sha256(second.refresh_token), sha256(client.client_secret)]) {
      assert.ok(bytes.includes(present), `expected ${present} in the database files`);
    }
    const found: string[] = [];
    for (const [name, secret] of Object.entries(secrets)) {
      if (bytes.includes(secret)) found.push(`${name} (text)`);
      // Opaque tokens are base64url of random bytes: stored as a blob they would not show as text.
      const raw = Buffer.from(secret, 'base64url');
      if (/^[\w-]{43}$/.test(secret) && bytes.includes(raw)) found.push(`${name} (raw bytes)`);
    }
    assert.deepEqual(found, []);
  });

  it('keeps no secret in any column of any table', async () => {
    const db = gh.gatehouse.storage.db;
    const found: string[] = [];
    for (const table of await tableNames(db)) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      const text = JSON.stringify(rows.rows);
      for (const [name, secret] of Object.entries(secrets)) if (text.includes(secret)) found.push(`${name} in ${table}`);
    }
    assert.deepEqual(found, []);
  });

  it('finds codes, refresh tokens, sessions and client credentials only by their hash, never by their value', async () => {
    const db = gh.gatehouse.storage.db;
    const lookups = [
      { table: 'authorization_codes', column: 'code_hash', secret: code },
      { table: 'refresh_tokens', column: 'token_hash', secret: first.refresh_token },
      { table: 'refresh_tokens', column: 'token_hash', secret: second.refresh_token },
      { table: 'sessions', column: 'id_hash', secret: secrets['session id']! },
      { table: 'clients', column: 'secret_hash', secret: client.client_secret },
      { table: 'clients', column: 'registration_token_hash', secret: client.registration_access_token },
    ];
    for (const { table, column, secret } of lookups) {
      const count = async (value: string) =>
        (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(db)).rows[0]!.n;
      assert.equal(await count(secret), 0, `${table}.${column} looked up by the value`);
      assert.equal(await count(sha256(secret)), 1, `${table}.${column} looked up by the hash`);
    }
    const admin = await db.selectFrom('users').select('password_hash').where('username', '=', ADMIN.username).executeTakeFirstOrThrow();
    assert.match(admin.password_hash, /^\$argon2id\$/);
    assert.ok(!admin.password_hash.includes(ADMIN.password));
  });
});
