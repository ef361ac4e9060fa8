// Pre-registered clients, from CLIENTS_FILE and from `gatehouse clients add`, for clients that cannot register
// themselves (Claude's "Advanced settings → OAuth Client ID / Secret").
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { signInAndDecide } from '../helpers/browser.js';
import { startGatehouse, TEST_JWT_SECRET, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, pkce, tokenRequest, type RegisteredClient } from '../helpers/oauth.js';

const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

async function exchange(
  gh: TestGatehouse,
  client: RegisteredClient,
  authenticate: (params: Record<string, string>) => [Record<string, string>, Record<string, string>],
) {
  const { verifier, challenge } = pkce();
  const callback = await signInAndDecide(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256' }));
  const [params, headers] = authenticate({
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    code_verifier: verifier,
    redirect_uri: CALLBACK,
  });
  return tokenRequest(gh, params, headers);
}
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

describe('pre-registered clients from CLIENTS_FILE', () => {
  let gh: TestGatehouse;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-clients-'));
    const file = join(dir, 'clients.json');
    writeFileSync(
      file,
      JSON.stringify({
        clients: [
          { client_id: 'claude-basic', client_secret: 'basic-secret-0123456789', redirect_uris: [CALLBACK], client_name: 'Claude (basic)' },
          { client_id: 'claude-post', client_secret: 'post-secret-0123456789', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'client_secret_post' },
        ],
      }),
    );
    gh = await startGatehouse({ CLIENTS_FILE: file, REGISTRATION: 'closed' });
  });
  after(async () => {
    await gh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates with client_secret_basic', async () => {
    const client = { client_id: 'claude-basic', redirect_uris: [CALLBACK] };
    assert.equal((await exchange(gh, client, (p) => [p, basic('claude-basic', 'basic-secret-0123456789')])).status, 200);
    assert.equal((await exchange(gh, client, (p) => [p, basic('claude-basic', 'wrong-secret-0123456789')])).status, 401);
  });

  it('authenticates with client_secret_post', async () => {
    const client = { client_id: 'claude-post', redirect_uris: [CALLBACK] };
    assert.equal((await exchange(gh, client, (p) => [{ ...p, client_id: 'claude-post', client_secret: 'post-secret-0123456789' }, {}])).status, 200);
    assert.equal((await exchange(gh, client, (p) => [{ ...p, client_id: 'claude-post' }, {}])).status, 401);
  });

  it('refuses to start on an invalid file, saying what is wrong', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clients: [{ client_id: 'https://not-an-id.example/x', client_secret: 'x'.repeat(20), redirect_uris: [CALLBACK] }] }));
    await assert.rejects(startGatehouse({ CLIENTS_FILE: bad }), /CLIENTS_FILE .*client_id/);
  });
});

describe('gatehouse clients add', () => {
  it('creates a client that can then sign in, and shows a generated secret once', async () => {
    let gh = await startGatehouse();
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'clients', ...args], {
        env: { ...process.env, DATABASE_URL: gh.databaseUrl, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent' },
      });
    try {
      const { stdout } = await run(['add', '--id', 'cli-client', '--redirect-uri', CALLBACK, '--name', 'From the CLI', '--json']);
      const created = JSON.parse(stdout);
      assert.equal(created.client_id, 'cli-client');
      assert.equal(created.token_endpoint_auth_method, 'client_secret_basic');
      gh = await gh.restart();
      const client = { client_id: 'cli-client', redirect_uris: [CALLBACK] };
      assert.equal((await exchange(gh, client, (p) => [p, basic('cli-client', created.client_secret)])).status, 200);

      const listed = JSON.parse((await run(['list', '--json'])).stdout);
      assert.ok(listed.some((row: { client_id: string; kind: string }) => row.client_id === 'cli-client' && row.kind === 'preregistered'));
      await assert.rejects(run(['add', '--id', 'cli-client', '--redirect-uri', CALLBACK]), /already exists/);
      await assert.rejects(run(['add', '--id', 'bad', '--redirect-uri', 'http://evil.example/cb']), /must use https/);
    } finally {
      await gh.close();
    }
  });
});
