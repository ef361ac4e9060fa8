import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { Cookies } from '../../src/identity/cookies.js';
import { hashPassword, verifyPassword } from '../../src/identity/passwords.js';

describe('passwords', () => {
  it('hashes with argon2id and verifies', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^\$argon2id\$/);
    assert.equal(await verifyPassword(hash, 'correct horse'), true);
    assert.equal(await verifyPassword(hash, 'wrong horse'), false);
    assert.equal(await verifyPassword(undefined, 'anything'), false);
    assert.equal(await verifyPassword('not a hash', 'anything'), false);
  });
});

describe('cookies', () => {
  const setCookieFor = async (baseUrl: string) => {
    const app = new Hono().get('/', (c) => {
      new Cookies(baseUrl).set(c, 'gatehouse_session', 'v', 60);
      return c.body(null);
    });
    return (await app.request('/')).headers.get('set-cookie')!;
  };
  it('over https: __Host- prefix, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const cookie = await setCookieFor('https://mcp.example.com');
    assert.match(cookie, /^__Host-gatehouse_session=v;/);
    for (const attribute of ['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']) assert.ok(cookie.includes(attribute), attribute);
    assert.ok(!/Domain=/i.test(cookie));
  });
  it('over http (local development): no prefix and no Secure, still HttpOnly and SameSite=Lax', async () => {
    const cookie = await setCookieFor('http://localhost:3000');
    assert.match(cookie, /^gatehouse_session=v;/);
    assert.ok(!cookie.includes('Secure'));
    assert.ok(cookie.includes('HttpOnly') && cookie.includes('SameSite=Lax'));
  });
});
