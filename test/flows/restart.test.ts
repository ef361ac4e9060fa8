// Restart safety: everything a connection depends on lives in the database and survives a restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, mcpPost, obtainTokens, tokenRequest } from '../helpers/oauth.js';

const call = (url: string, token: string, name: string, args: object = {}) =>
  mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }, token);

describe('restart safety', () => {
  it('keeps clients, users, grants, notes and signing keys across a restart', async () => {
    let gh = await startGatehouse();
    try {
      const jwksBefore = await (await gh.fetch('/.well-known/jwks.json')).json();
      const { tokens, client } = await obtainTokens(gh);
      const created = await jsonRpcResult(await call(gh.mcpUrl, tokens.access_token, 'notes_create', { title: 'Survives', body: 'restarts' }));
      assert.equal(created.result.structuredContent.title, 'Survives');

      gh = await gh.restart();

      assert.deepEqual(await (await gh.fetch('/.well-known/jwks.json')).json(), jwksBefore, 'the same signing key is published');
      // A token issued before the restart still works after it.
      const listed = await jsonRpcResult(await call(gh.mcpUrl, tokens.access_token, 'notes_list'));
      assert.deepEqual(
        listed.result.structuredContent.notes.map((n: { title: string }) => n.title),
        ['Survives'],
      );
      // The grant and its refresh token survived.
      const refreshed = await tokenRequest(gh, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: client.client_id,
        client_secret: client.client_secret,
      });
      assert.equal(refreshed.status, 200);
      // The registered client and the user can run a new authorization.
      const again = await obtainTokens(gh, { client });
      assert.equal((await call(gh.mcpUrl, again.tokens.access_token, 'whoami')).status, 200);
      assert.equal(await gh.gatehouse.storage.users.count(), 1, 'the first user is not seeded twice');
    } finally {
      await gh.close();
    }
  });

  it('refuses to start with a JWT_SECRET that cannot decrypt the stored signing key', async () => {
    const gh = await startGatehouse();
    const { createGatehouse } = await import('../../src/index.js');
    await assert.rejects(
      createGatehouse({ env: { DATABASE_URL: gh.databaseUrl, JWT_SECRET: 'another-secret-another-secret-another-secret', LOG_LEVEL: 'silent' } }),
      { name: 'ConfigError', message: /^JWT_SECRET is not the secret the stored signing keys were encrypted with: set JWT_SECRET back/ },
    );
    await gh.close();
  });
});
