// Every endpoint meets garbage: wrong content types, broken bodies, odd methods and headers. Each answer is a
// standard 4xx, never a 5xx, and nothing stored changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from './helpers/gatehouse.js';
import { obtainTokens } from './helpers/oauth.js';

const PATHS = ['/token', '/register', '/revoke', '/authorize', '/login', '/consent', '/logout', '/account/disconnect', '/mcp', '/mcp/streamable'];
const BODIES = ['', '{}', '[]', 'null', '{"a":', 'a=1&a=2', '%%%', '\u0000\u0001', '{"token":["a"],"grant_type":{}}'];
const TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'multipart/form-data', ''];

describe('malformed input', () => {
  let gh: TestGatehouse;
  let accessToken: string;
  const snapshot = async () => {
    const db = gh.gatehouse.storage.db;
    const count = async (table: 'clients' | 'grants' | 'authorization_codes' | 'refresh_tokens' | 'users' | 'notes') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      clients: await count('clients'),
      grants: await count('grants'),
      codes: await count('authorization_codes'),
      refresh: await count('refresh_tokens'),
      users: await count('users'),
      notes: await count('notes'),
    };
  };

  before(async () => {
    gh = await startGatehouse();
    accessToken = (await obtainTokens(gh)).tokens.access_token;
  });
  after(() => gh.close());

  it('answers broken POST bodies on every endpoint with a 4xx and stores nothing', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    for (const path of PATHS) {
      for (const body of BODIES) {
        for (const type of TYPES) {
          for (const authorization of [undefined, `Bearer ${accessToken}`, 'Basic !!!', 'Basic JXp6OiV6eg==']) {
            const headers: Record<string, string> = {};
            if (type) headers['content-type'] = type;
            if (authorization) headers.authorization = authorization;
            const response = await gh.fetch(path, { method: 'POST', headers, body });
            await response.arrayBuffer();
            if (response.status >= 500 || response.status < 200) failures.push(`${response.status} POST ${path} ${type} ${JSON.stringify(body)}`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(await snapshot(), before);
  });

  it('answers odd methods and query strings without a 5xx', async () => {
    const failures: string[] = [];
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']) {
      for (const path of PATHS) {
        const response = await gh.fetch(path, { method, headers: { authorization: `Bearer ${accessToken}` } });
        await response.arrayBuffer();
        if (response.status >= 500) failures.push(`${response.status} ${method} ${path}`);
      }
    }
    for (const query of ['?client_id=%ZZ', '?redirect_uri=%', '?request=abc', '?request=', `?state=${'a'.repeat(8000)}`]) {
      for (const path of ['/authorize', '/consent', '/login', '/account', '/']) {
        const response = await gh.fetch(path + query);
        await response.arrayBuffer();
        if (response.status >= 500) failures.push(`${response.status} GET ${path}${query.slice(0, 30)}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
