// Pure policy, table-driven: PKCE, redirect URIs, scopes, resource indicators.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveResource } from '../../src/oauth/authorization-request.js';
import { InvalidScope } from '../../src/errors.js';
import { isS256Challenge, s256, verifierMatches } from '../../src/oauth/pkce.js';
import { matchesRegisteredRedirect, redirectUriProblem } from '../../src/oauth/redirect-uri.js';
import { narrowScope, resolveRequestedScopes } from '../../src/oauth/scopes.js';

describe('PKCE', () => {
  it('matches the RFC 7636 appendix B example', () => {
    assert.equal(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.ok(verifierMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'));
  });
  it('refuses verifiers outside 43–128 unreserved characters and challenges that are not S256', () => {
    const challenge = s256('a'.repeat(42));
    assert.equal(verifierMatches('a'.repeat(42), challenge), false);
    assert.equal(verifierMatches('a'.repeat(129), s256('a'.repeat(129))), false);
    assert.equal(verifierMatches(`${'a'.repeat(43)} `, s256(`${'a'.repeat(43)} `)), false);
    assert.equal(isS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), true);
    assert.equal(isS256Challenge('dBjftJeZ4CVP-mJ92K1L4KAEqLxe-VVDaeg8xv0R68k-plain-verifier'), false);
  });
});

describe('redirect URIs', () => {
  const accepted = [
    'https://claude.ai/api/mcp/auth_callback',
    'http://localhost:6274/oauth/callback',
    'http://127.0.0.1/callback',
    'http://[::1]:9000/cb',
    'cursor://anysphere.cursor-mcp/oauth/callback',
    'com.example.app:/oauth2redirect',
  ];
  const refused = [
    'http://example.com/cb',
    'https://a.example/cb#x',
    'javascript:alert(1)',
    'data:text/html,x',
    'file:///etc/passwd',
    'not a uri',
    'https://user:pw@a.example/cb',
    'wss://a.example/cb',
  ];
  for (const uri of accepted) it(`accepts ${uri}`, () => assert.equal(redirectUriProblem(uri), undefined));
  for (const uri of refused) it(`refuses ${uri}`, () => assert.equal(typeof redirectUriProblem(uri), 'string'));

  const cases: [string, string[], boolean][] = [
    ['https://claude.ai/api/mcp/auth_callback', ['https://claude.ai/api/mcp/auth_callback'], true],
    ['https://claude.ai/api/mcp/auth_callback/', ['https://claude.ai/api/mcp/auth_callback'], false],
    ['https://CLAUDE.ai/api/mcp/auth_callback', ['https://claude.ai/api/mcp/auth_callback'], false],
    ['http://127.0.0.1:4567/callback', ['http://127.0.0.1/callback'], true],
    ['http://localhost:33418/', ['http://localhost:1/'], true],
    ['http://127.0.0.1:4567/other', ['http://127.0.0.1/callback'], false],
    ['http://localhost:4567/callback', ['http://127.0.0.1/callback'], false],
    ['https://claude.ai:444/api/mcp/auth_callback', ['https://claude.ai/api/mcp/auth_callback'], false],
  ];
  for (const [requested, registered, expected] of cases) {
    it(`${expected ? 'matches' : 'does not match'} ${requested} against ${registered[0]}`, () => {
      assert.equal(matchesRegisteredRedirect(requested, registered), expected);
    });
  }
});

describe('scopes', () => {
  it('grants every MCP scope when none is asked for, and drops unknown ones', () => {
    assert.deepEqual(resolveRequestedScopes(undefined, undefined), ['mcp:tools', 'mcp:resources', 'mcp:prompts']);
    assert.deepEqual(resolveRequestedScopes('openid mcp:tools offline_access', undefined), ['mcp:tools']);
    assert.deepEqual(resolveRequestedScopes('mcp:tools mcp:prompts', 'mcp:tools'), ['mcp:tools']);
    assert.throws(() => resolveRequestedScopes('openid profile', undefined), InvalidScope);
    assert.throws(() => resolveRequestedScopes('mcp:prompts', 'mcp:tools'), InvalidScope);
  });
  it('narrows on refresh and never widens', () => {
    assert.deepEqual(narrowScope(undefined, 'mcp:tools mcp:prompts'), ['mcp:tools', 'mcp:prompts']);
    assert.deepEqual(narrowScope('mcp:prompts', 'mcp:tools mcp:prompts'), ['mcp:prompts']);
    assert.throws(() => narrowScope('mcp:resources', 'mcp:tools'), InvalidScope);
    assert.throws(() => narrowScope('offline_access', 'mcp:tools'), InvalidScope);
  });
});

describe('resource indicators', () => {
  const base = 'https://mcp.example.com';
  const cases: [string | undefined, string | undefined][] = [
    // None named: the whole server, so the token works at the origin and at /mcp.
    [undefined, 'https://mcp.example.com'],
    ['https://mcp.example.com/mcp', 'https://mcp.example.com/mcp'],
    ['https://mcp.example.com/mcp/', 'https://mcp.example.com/mcp'],
    ['https://MCP.example.com/mcp', 'https://mcp.example.com/mcp'],
    ['https://mcp.example.com/mcp/streamable', 'https://mcp.example.com/mcp/streamable'],
    ['https://mcp.example.com', 'https://mcp.example.com'],
    ['https://mcp.example.com/', 'https://mcp.example.com'],
    ['https://mcp.example.com/other', undefined],
    ['https://mcp.example.com/mcp#x', undefined],
    ['https://other.example/mcp', undefined],
    ['mcp', undefined],
  ];
  for (const [requested, expected] of cases) {
    it(`resolves ${requested ?? '(none)'} to ${expected ?? 'a refusal'}`, () => assert.equal(resolveResource(requested, base), expected));
  }
});

describe('outbound fetch guard', async () => {
  const { isPublicAddress } = await import('../../src/oauth/outbound-fetch.js');
  const { isMetadataDocumentUrl, cacheLifetimeMs } = await import('../../src/oauth/metadata-documents.js');
  // One address from every range of the table, and the spellings of IPv6 that embed an IPv4 address.
  const cases: [string, boolean][] = [
    ['8.8.8.8', true],
    ['160.79.104.10', true],
    ['2606:4700::1111', true],
    ['2a00:1450:4001::200e', true],
    ['0.1.2.3', false],
    ['10.1.2.3', false],
    ['100.64.0.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['172.16.0.1', false],
    ['192.0.0.8', false],
    ['192.0.2.1', false],
    ['192.88.99.1', false],
    ['192.168.0.1', false],
    ['198.18.0.1', false],
    ['198.51.100.1', false],
    ['203.0.113.1', false],
    ['224.0.0.1', false],
    ['240.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['::127.0.0.1', false],
    ['::7f00:1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:0:127.0.0.1', false],
    ['64:ff9b::127.0.0.1', false],
    ['64:ff9b::a00:1', false],
    ['64:ff9b:1::1', false],
    ['100::1', false],
    ['2001::1', false],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false],
    ['2001:db8::1', false],
    ['2002:7f00:1::1', false],
    ['3fff::1', false],
    ['4000::1', false],
    ['8000::1', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['fec0::1', false],
    ['ff02::1', false],
    // IANA: IPv4-mapped addresses are not globally reachable as such, even of a public IPv4 address.
    ['::ffff:8.8.8.8', false],
    ['not-an-ip', false],
  ];
  for (const [address, expected] of cases) it(`${address} is ${expected ? '' : 'not '}public`, () => assert.equal(isPublicAddress(address), expected));

  it('recognises metadata document URLs', () => {
    assert.equal(isMetadataDocumentUrl('https://claude.ai/oauth/mcp-oauth-client-metadata'), true);
    for (const id of [
      'https://claude.ai',
      'https://claude.ai/',
      'http://claude.ai/doc',
      'https://u:p@claude.ai/doc',
      'https://claude.ai/a/../doc',
      'https://claude.ai/doc#x',
      'abc123',
    ]) {
      assert.equal(isMetadataDocumentUrl(id), false, id);
    }
  });

  it('caches documents as their Cache-Control says, up to a day', () => {
    assert.equal(cacheLifetimeMs('max-age=60', 0), 60_000);
    assert.equal(cacheLifetimeMs('public, max-age=60', 20), 40_000);
    assert.equal(cacheLifetimeMs('no-store', 0), 0);
    assert.equal(cacheLifetimeMs('max-age=999999', 0), 24 * 3600_000);
    assert.equal(cacheLifetimeMs(undefined, 0), 5 * 60_000);
  });
});
