// A real OpenID provider in the test process: panva's certified `oidc-provider` on 127.0.0.1, with its development
// sign-in pages (any password), a few people, resource indicators (JWT access tokens for the MCP endpoint) and
// introspection. The port is taken first, so Gatehouse can be told the issuer before the provider learns
// Gatehouse's callback URL.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { hiddenFields, type Browser } from './browser.js';
import { pkce } from './oauth.js';

/** The people the provider knows: account id (what you type at its sign-in page) → claims. */
export const PEOPLE: Record<string, Record<string, unknown>> = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', preferred_username: 'alice', groups: ['engineering'] },
  bob: { email: 'bob@elsewhere.example', email_verified: true, name: 'Bob', preferred_username: 'bob', groups: ['sales'] },
  carol: { email: 'carol@example.com', email_verified: false, name: 'Carol', preferred_username: 'carol', groups: [] },
  dave: { email: 'dave@elsewhere.example', email_verified: true, name: 'Dave', preferred_username: 'dave', groups: ['mcp-users'] },
  // Calls themselves "admin" upstream: must not become Gatehouse's local admin.
  eve: { email: 'eve@example.com', email_verified: true, name: 'Eve', preferred_username: 'admin', groups: [] },
};

export const RP = { clientId: 'gatehouse', clientSecret: 'gatehouse-upstream-secret' };
/** A public client that gets tokens for the MCP endpoint from the provider itself (external mode). */
export const MCP_CLIENT = { clientId: 'mcp-client', redirectUri: 'http://127.0.0.1/callback' };
/** A confidential client allowed to introspect (Gatehouse in external mode, for opaque tokens). */
export const INTROSPECTOR = { clientId: 'gatehouse-rs', clientSecret: 'gatehouse-rs-secret' };

export interface ProviderOptions {
  /** Gatehouse's callback for delegated sign-in. */
  redirectUris?: string[];
  /** Access tokens for these resources are JWTs; others opaque. */
  jwtResources?: string[];
  /** Seconds an access token lives. */
  accessTokenTtl?: number;
}

export interface TestProvider {
  issuer: string;
  /** Builds (or rebuilds, e.g. after a key rotation) the provider behind the same address. */
  configure(options?: ProviderOptions): Promise<void>;
  /** Publishes a new signing key first and signs with it; the old key stays published. */
  rotateKeys(): Promise<void>;
  /** The private keys, newest first. */
  keys: JWK[];
  close(): Promise<void>;
}

export async function startOidcProvider(): Promise<TestProvider> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys: JWK[] = [await newKey()];
  let options: ProviderOptions = {};

  const build = async () => {
    const provider = new Provider(issuer, configuration(options, keys));
    const callback = provider.callback();
    handle = (req, res) => void callback(req, res);
  };
  return {
    issuer,
    keys,
    async configure(next = options) {
      options = next;
      await build();
    },
    async rotateKeys() {
      keys.unshift(await newKey());
      await build();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function newKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: `key-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` };
}

function configuration(options: ProviderOptions, keys: JWK[]): Configuration {
  const jwtResources = new Set(options.jwtResources ?? []);
  const signing = { id_token_signed_response_alg: 'ES256' };
  return {
    clients: [
      {
        client_id: RP.clientId,
        client_secret: RP.clientSecret,
        redirect_uris: options.redirectUris ?? ['http://127.0.0.1/unused'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        ...signing,
      },
      {
        client_id: MCP_CLIENT.clientId,
        redirect_uris: [MCP_CLIENT.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        ...signing,
      },
      {
        client_id: INTROSPECTOR.clientId,
        client_secret: INTROSPECTOR.clientSecret,
        redirect_uris: [],
        grant_types: [],
        response_types: [],
        ...signing,
      },
    ],
    jwks: { keys },
    findAccount: async (_ctx, id) => (PEOPLE[id] ? { accountId: id, claims: async () => ({ sub: id, ...PEOPLE[id] }) } : undefined),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups', 'mcp:tools', 'mcp:resources', 'mcp:prompts'],
    // Claims that scopes ask for go into the ID token too, as Keycloak and Auth0 do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { AccessToken: options.accessTokenTtl ?? 3600 },
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientId === INTROSPECTOR.clientId },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: 'mcp:tools mcp:resources mcp:prompts',
          audience: resource,
          accessTokenTTL: options.accessTokenTtl ?? 3600,
          accessTokenFormat: jwtResources.has(resource) ? 'jwt' : 'opaque',
          ...(jwtResources.has(resource) && { jwt: { sign: { alg: 'ES256' } } }),
        }),
      },
    },
  } as Configuration;
}

/**
 * Walks the provider's development pages from `url` (its authorization endpoint, or a redirect to it): signs in as
 * `login`, approves, and returns where the provider finally sends the browser (the client's redirect URI).
 */
export async function signInAtProvider(browser: Browser, url: URL | string, login: string): Promise<URL> {
  let step = await browser.go(url);
  for (let pages = 0; pages < 4; pages++) {
    if (step.leftTo) return step.leftTo;
    const html = step.html ?? '';
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form at ${step.url} (${step.page?.status}): ${textOf(html).slice(0, 600)}`);
    const fields = hiddenFields(html);
    if (fields.prompt === 'login') Object.assign(fields, { login, password: 'any password' });
    step = await browser.submit(new URL(action.replace(/&amp;/g, '&'), step.url), fields);
  }
  throw new Error('the provider kept asking');
}

const textOf = (html: string) =>
  html
    .replace(/<style[\s\S]*<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

/** An access token from the provider for `resource`, as an MCP client would get one (code flow with PKCE). */
export async function providerAccessToken(
  browser: Browser,
  provider: TestProvider,
  login: string,
  resource: string,
  scope = 'openid mcp:tools mcp:resources mcp:prompts',
) {
  const { verifier, challenge } = pkce();
  const url = new URL(`${provider.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: MCP_CLIENT.clientId,
    response_type: 'code',
    redirect_uri: MCP_CLIENT.redirectUri,
    scope,
    resource,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'provider-state',
  }).toString();
  const back = await signInAtProvider(browser, url, login);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`the provider answered ${back}`);
  const response = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: MCP_CLIENT.redirectUri,
      client_id: MCP_CLIENT.clientId,
      resource,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token) throw new Error(`the provider issued no token: ${JSON.stringify(body)}`);
  return body.access_token;
}
