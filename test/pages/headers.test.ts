// Security headers on pages and APIs, for a deployment on https (answered in process, without the network).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGatehouse, type Gatehouse } from '../../src/index.js';
import { TEST_JWT_SECRET } from '../helpers/gatehouse.js';

describe('security headers', () => {
  let gatehouse: Gatehouse;
  before(async () => {
    gatehouse = await createGatehouse({
      env: {
        NODE_ENV: 'production',
        BASE_URL: 'https://mcp.example.com',
        DATABASE_URL: 'sqlite::memory:',
        JWT_SECRET: TEST_JWT_SECRET,
        ADMIN_PASSWORD: 'a long enough password',
        LOG_LEVEL: 'silent',
      },
    });
  });
  after(() => gatehouse.close());

  it('sends strict headers on the sign-in page', async () => {
    const response = await gatehouse.fetch(new Request('https://mcp.example.com/login'));
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.match(response.headers.get('strict-transport-security')!, /max-age=\d+/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const cookie = response.headers.getSetCookie().join('\n');
    assert.match(cookie, /__Host-gatehouse_csrf=[^;]+; .*Secure/);
  });

  it('sends HSTS and nosniff on APIs too', async () => {
    const response = await gatehouse.fetch(new Request('https://mcp.example.com/.well-known/oauth-authorization-server'));
    assert.match(response.headers.get('strict-transport-security')!, /max-age=\d+/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });
});
