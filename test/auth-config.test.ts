// AUTH_MODE and the provider settings: what combinations start, and what each refusal says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { ScopeNames } from '../src/resource/scope-names.js';

const base = { DATABASE_URL: 'sqlite::memory:', JWT_SECRET: 'x'.repeat(40) };
const oidc = { OIDC_ISSUER: 'https://sso.example.com/realms/main', OIDC_CLIENT_ID: 'gatehouse', OIDC_ALLOWED_DOMAINS: 'example.com' };
const github = { GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret', GITHUB_ALLOWED_ORGS: 'Acme' };
const refused = (env: Record<string, string>, message: RegExp) =>
  assert.throws(
    () => loadConfig({ ...base, ...env }),
    (error: Error) => error instanceof ConfigError && message.test(error.message),
  );

describe('auth config', () => {
  it('signs in with passwords by default', () => {
    const { auth } = loadConfig(base);
    assert.equal(auth.local, true);
    assert.equal(auth.oidc, undefined);
    assert.equal(auth.github, undefined);
    assert.equal(auth.external, undefined);
  });

  it('offers several sign-in methods together, with their allowlists', () => {
    const { auth } = loadConfig({ ...base, ...oidc, ...github, AUTH_MODE: 'local, oidc ,github', OIDC_ALLOWED_GROUPS: 'Admins,mcp' });
    assert.equal(auth.local, true);
    assert.equal(auth.oidc?.issuer, oidc.OIDC_ISSUER);
    assert.deepEqual(auth.oidc?.scopes, ['openid', 'email', 'profile']);
    assert.equal(auth.oidc?.label, 'sso.example.com');
    assert.deepEqual(auth.oidc?.allow, { anyone: false, names: ['example.com'], groups: ['Admins', 'mcp'] });
    assert.deepEqual(auth.github?.allow, { anyone: false, names: [], groups: ['acme'] });
    assert.equal(auth.github?.webUrl, 'https://github.com');
  });

  it('keeps an issuer exactly as written: iss is compared character for character', () => {
    const { auth } = loadConfig({ ...base, ...oidc, AUTH_MODE: 'oidc', OIDC_ISSUER: 'https://tenant.auth0.com/' });
    assert.equal(auth.oidc?.issuer, 'https://tenant.auth0.com/');
    assert.equal(auth.local, false);
  });

  it('refuses a provider without an allowlist, unless told to admit everyone', () => {
    refused({ ...oidc, AUTH_MODE: 'oidc', OIDC_ALLOWED_DOMAINS: '' }, /OIDC_ALLOWED_DOMAINS or OIDC_ALLOWED_GROUPS/);
    refused({ ...github, AUTH_MODE: 'github', GITHUB_ALLOWED_ORGS: '' }, /GITHUB_ALLOWED_USERS or GITHUB_ALLOWED_ORGS/);
    assert.equal(loadConfig({ ...base, ...oidc, AUTH_MODE: 'oidc', OIDC_ALLOWED_DOMAINS: '*' }).auth.oidc?.allow.anyone, true);
  });

  it('refuses missing credentials, plain http to a remote provider, and unknown modes', () => {
    refused({ AUTH_MODE: 'oidc', OIDC_ALLOWED_DOMAINS: '*' }, /OIDC_ISSUER and OIDC_CLIENT_ID/);
    refused({ AUTH_MODE: 'github', GITHUB_ALLOWED_USERS: '*' }, /GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET/);
    refused({ ...oidc, AUTH_MODE: 'oidc', OIDC_ISSUER: 'http://sso.example.com' }, /OIDC_ISSUER must be an https URL/);
    assert.equal(
      loadConfig({ ...base, ...oidc, AUTH_MODE: 'oidc', OIDC_ISSUER: 'http://127.0.0.1:8080/realms/dev' }).auth.oidc?.issuer,
      'http://127.0.0.1:8080/realms/dev',
    );
    refused({ AUTH_MODE: 'saml' }, /"saml" is not one of/);
  });

  it('takes external mode alone, with its issuers, audience, scope names and introspection', () => {
    refused({ AUTH_MODE: 'external,local', EXTERNAL_ISSUER: 'https://as.example.com' }, /stands alone/);
    refused({ AUTH_MODE: 'external' }, /needs EXTERNAL_ISSUER/);
    refused({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://a.example,https://b.example', EXTERNAL_JWKS_URL: 'https://a.example/jwks' }, /one issuer/);
    refused({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://a.example', EXTERNAL_SCOPE_MAP: 'read=mcp:everything' }, /EXTERNAL_SCOPE_MAP entry/);
    refused(
      { AUTH_MODE: 'external', EXTERNAL_ISSUER: 'https://a.example', EXTERNAL_INTROSPECTION_URL: 'https://a.example/introspect' },
      /EXTERNAL_CLIENT_ID and EXTERNAL_CLIENT_SECRET/,
    );
    const { auth } = loadConfig({
      ...base,
      AUTH_MODE: 'external',
      EXTERNAL_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
      EXTERNAL_AUDIENCE: 'api://gatehouse',
      EXTERNAL_SCOPE_MAP: 'api://gatehouse/mcp.tools=mcp:tools,api://gatehouse/mcp.read=mcp:resources,api://gatehouse/mcp.read=mcp:prompts',
    });
    assert.equal(auth.local, false);
    assert.deepEqual(auth.external?.issuers, ['https://login.microsoftonline.com/tenant/v2.0']);
    assert.deepEqual(
      [...auth.external!.scopeMap],
      [
        ['api://gatehouse/mcp.tools', ['mcp:tools']],
        ['api://gatehouse/mcp.read', ['mcp:resources', 'mcp:prompts']],
      ],
    );
  });
});

describe('scope names at an external authorization server', () => {
  const names = new ScopeNames(
    new Map([
      ['api://gatehouse/mcp.tools', ['mcp:tools']],
      ['api://gatehouse/mcp.read', ['mcp:resources', 'mcp:prompts']],
    ]),
  );

  it('translates granted scopes, full or as the short names Entra ID puts in scp', () => {
    assert.deepEqual(names.toMcp(['api://gatehouse/mcp.tools']), ['mcp:tools']);
    assert.deepEqual(names.toMcp(['mcp.read', 'openid']).sort(), ['mcp:prompts', 'mcp:resources']);
    assert.deepEqual(names.toMcp(['mcp:tools']), ['mcp:tools'], 'the MCP names themselves always count');
    assert.deepEqual(names.toMcp(['tools']), [], 'a suffix must be a whole segment');
  });

  it('asks for scopes in the server’s names', () => {
    assert.equal(names.forMcp('mcp:tools'), 'api://gatehouse/mcp.tools');
    assert.deepEqual(names.all(), ['api://gatehouse/mcp.tools', 'api://gatehouse/mcp.read']);
    assert.deepEqual(ScopeNames.own.all(), ['mcp:tools', 'mcp:resources', 'mcp:prompts']);
  });

  it('grants to every valid token with *', () => {
    assert.deepEqual(new ScopeNames(new Map([['*', ['mcp:tools']]])).toMcp([]), ['mcp:tools']);
  });
});
