// Brute force and floods: sign-in locks per username and per address with growing locks, and the authorization
// server's endpoints answer 429 with Retry-After past their budgets, per address and per confidential client.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { ADMIN, CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { registerClient, tokenRequest } from '../helpers/oauth.js';

async function attempt(gh: TestGatehouse, username: string, password: string, headers: Record<string, string> = {}) {
  const browser = new Browser();
  const login = await browser.go(new URL('/login', gh.baseUrl));
  const response = await browser.fetch(new URL('/login', gh.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ ...hiddenFields(login.html!), username, password }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), html: await response.text(), cookies: response.headers.getSetCookie() };
}

describe('sign-in throttling', () => {
  it('locks a username after 5 failures, refusing even the right password, with a growing lock', async () => {
    const gh = await startGatehouse();
    try {
      for (let i = 0; i < 4; i++) assert.equal((await attempt(gh, ADMIN.username, `wrong-${i}`)).status, 401);
      const fifth = await attempt(gh, ADMIN.username, 'wrong-5');
      assert.equal(fifth.status, 401, 'the failure that reaches the threshold is still answered as a failure');
      const locked = await attempt(gh, ADMIN.username, ADMIN.password);
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.retryAfter) > 0 && Number(locked.retryAfter) <= 60);
      assert.match(locked.html, /Too many failed sign-ins/);
      assert.ok(!locked.cookies.some((cookie) => cookie.startsWith('gatehouse_session=')), 'no session while locked');
      const events = await gh.gatehouse.storage.audit.list({ limit: 20 });
      assert.equal(events.filter((event) => event.type === 'login.failed').length, 4);
      assert.equal(events.filter((event) => event.type === 'login.locked').length, 1);
      assert.ok(!JSON.stringify(events).includes('wrong-'), 'no password in the audit trail');
    } finally {
      await gh.close();
    }
  });

  it('locks an address trying many usernames, without locking those users elsewhere', async () => {
    const gh = await startGatehouse({ TRUST_PROXY: '1' });
    try {
      const attacker = { 'x-forwarded-for': '203.0.113.66' };
      for (let i = 0; i < 30; i++) await attempt(gh, `user${i}`, 'guess', attacker);
      assert.equal((await attempt(gh, 'another', 'guess', attacker)).status, 429);
      const fromElsewhere = await attempt(gh, ADMIN.username, ADMIN.password, { 'x-forwarded-for': '198.51.100.5' });
      assert.equal(fromElsewhere.status, 303, 'the real user signs in from their own address');
    } finally {
      await gh.close();
    }
  });
});

describe('endpoint rate limits', () => {
  it('answers 429 with Retry-After past the per-address budget of the OAuth endpoints', async () => {
    const gh = await startGatehouse({ RATE_LIMIT_PER_IP: '5' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await tokenRequest(gh, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nobody' })).status);
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
      const limited = await gh.fetch('/authorize?client_id=x');
      assert.equal(limited.status, 429, '/authorize shares the budget');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.match(limited.headers.get('content-type')!, /text\/html/, 'a page for the browser-facing endpoint');
    } finally {
      await gh.close();
    }
  });

  it('limits each confidential client, but never a public client_id anyone can name', async () => {
    const gh = await startGatehouse({ RATE_LIMIT_PER_CLIENT: '3', TRUST_PROXY: '1' });
    try {
      const confidential = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Confidential' });
      const refresh = (client_id: string, extra: Record<string, string>, ip: string) =>
        tokenRequest(gh, { grant_type: 'refresh_token', refresh_token: 'unknown', client_id, ...extra }, { 'x-forwarded-for': ip });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await refresh(confidential.client_id, { client_secret: confidential.client_secret! }, `192.0.2.${i}`)).status);
      assert.deepEqual(statuses, [400, 400, 400, 429], 'the fourth request of the client is refused, whatever its address');
      const claude = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
      for (let i = 0; i < 5; i++) assert.equal((await refresh(claude, {}, `198.51.100.${i}`)).status, 400);
    } finally {
      await gh.close();
    }
  });
});
