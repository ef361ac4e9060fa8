// Gatehouse's own authorization server: its metadata and keys, the OAuth endpoints (authorize, token, revoke,
// introspect, register), and the sign-in, account and consent pages, with the upstream providers people may sign
// in with (AUTH_MODE). Not mounted when an external authorization server is trusted instead.
import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { RedisConnections } from '../cluster/redis.js';
import type { AuthorizationServerConfig } from '../config.js';
import { KeyedLimit, limitRequests } from '../http/rate-limit.js';
import { accountRoutes } from '../identity/account.js';
import { Cookies } from '../identity/cookies.js';
import { CsrfProtection } from '../identity/csrf.js';
import { LoginThrottle } from '../identity/login-throttle.js';
import { loginRoutes } from '../identity/login.js';
import { SessionManager } from '../identity/sessions.js';
import { GitHubSignIn } from '../identity/upstream/github.js';
import { LoginState } from '../identity/upstream/login-state.js';
import { OidcSignIn } from '../identity/upstream/oidc.js';
import type { UpstreamSignIn } from '../identity/upstream/provider.js';
import { upstreamLoginRoutes } from '../identity/upstream/routes.js';
import { UpstreamTokenVault } from '../identity/upstream/token-vault.js';
import { authorizeRoute } from '../oauth/authorize.js';
import { ClientAssertions } from '../oauth/client-assertion.js';
import type { ClientRegistry } from '../oauth/client-registry.js';
import { connectingApp, consentRoutes } from '../oauth/consent.js';
import { introspectRoute } from '../oauth/introspect.js';
import type { KnownClients } from '../oauth/known-clients.js';
import { authorizationServerMetadata } from '../oauth/metadata.js';
import { registrationRoutes } from '../oauth/register.js';
import { revokeRoute } from '../oauth/revoke.js';
import { tokenRoute } from '../oauth/token.js';
import { describeToolFilter } from '../gateway/policy.js';
import type { Upstream } from '../gateway/upstream.js';
import { gatewayPath } from '../protected-resources.js';
import type { ConnectionSecrets } from '../identity/connection-secrets.js';
import { discovery, type Shared } from './shared.js';

export interface AuthorizationServerDeps extends Shared {
  config: AuthorizationServerConfig;
  /** Finds clients in storage, and behind metadata-document URLs. */
  clients: ClientRegistry;
  /** The clients whose names Gatehouse vouches for. */
  knownClients: KnownClients;
  /** Shared replay ids for client assertions when several instances run. */
  redis?: RedisConnections | undefined;
  upstream: UpstreamProviders;
  /** The gateway, whose servers' secrets users supply on their account page. */
  gateway?: { upstreams: readonly Upstream[]; secrets: ConnectionSecrets } | undefined;
}

export interface UpstreamProviders {
  providers: UpstreamSignIn[];
  /** Where upstream tokens are kept for tools (KEEP_UPSTREAM_TOKENS). */
  vault: UpstreamTokenVault | undefined;
}

/** The upstream providers AUTH_MODE enables, and where their tokens are kept for tools (KEEP_UPSTREAM_TOKENS). */
export function upstreamProviders(config: Pick<AuthorizationServerConfig, 'auth'>, shared: Pick<Shared, 'storage' | 'secret'>): UpstreamProviders {
  const providers: UpstreamSignIn[] = [];
  if (config.auth.oidc) providers.push(new OidcSignIn(config.auth.oidc));
  if (config.auth.github) providers.push(new GitHubSignIn(config.auth.github));
  const vault =
    config.auth.keepUpstreamTokens && providers.length > 0
      ? new UpstreamTokenVault(shared.storage.identities, shared.secret('upstream-tokens'), providers)
      : undefined;
  return { providers, vault };
}

export function mountAuthorizationServer(app: Hono<AppEnv>, deps: AuthorizationServerDeps): void {
  const { config, storage, keys, logger, clients, knownClients, audit, limiters, sourceIp, browserApi, upstream } = deps;
  const issuer = config.baseUrl;
  for (const path of ['/register', '/register/*', '/token', '/revoke', '/introspect', '/oauth/*']) app.use(path, browserApi);

  const asMetadata = authorizationServerMetadata(issuer, { registration: config.registration.mode !== 'closed' });
  app.get('/.well-known/oauth-authorization-server', discovery(asMetadata));
  app.get('/.well-known/openid-configuration', discovery(asMetadata));
  // Short-lived in caches: a rotated key must reach verifiers before it starts signing.
  app.get('/.well-known/jwks.json', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(keys.jwks);
  });

  const requestKey = deps.secret('authorization-request');
  const cookies = new Cookies(issuer);
  const sessions = new SessionManager(storage.sessions, cookies, config.ttl.session);
  const csrf = new CsrfProtection(deps.secret('csrf'), cookies, issuer);

  const assertions = new ClientAssertions({ issuer, allowLocal: config.cimdAllowLocal, redis: deps.redis });
  const perClient = new KeyedLimit(config.rateLimits.perClientPerMinute, 60, 'too many requests from this client', limiters, 'oauth-client');
  const endpoint = { clients, assertions, perClient };
  const token = tokenRoute({ storage, audit, keys, issuer, ttl: config.ttl, now: deps.now }, endpoint);
  const revoke = revokeRoute({ storage, audit, keys, issuer }, endpoint);
  const introspect = introspectRoute(
    { storage, keys, issuer, resourceServers: config.introspectionClients, refreshGraceSeconds: config.ttl.refreshGrace },
    endpoint,
  );
  const registration = registrationRoutes({ clients: storage.clients, issuer, policy: config.registration, knownClients, audit });
  // Many Claude users share Anthropic's egress addresses: the per-address limit is generous, the global one a ceiling.
  const registrationLimit = limitRequests([
    {
      limit: new KeyedLimit(config.registration.perIpPerMinute, 60, 'too many client registrations from this address', limiters, 'register-ip'),
      key: sourceIp,
    },
    { limit: new KeyedLimit(config.registration.globalPerMinute, 60, 'too many client registrations', limiters, 'register-all'), key: () => 'all' },
  ]);
  // One budget per address across the authorization server's endpoints (pages have their own throttles); /authorize
  // counts against it too, inside its route, which shows a refusal as a page.
  const perIp = new KeyedLimit(config.rateLimits.perIpPerMinute, 60, 'too many requests from this address', limiters, 'oauth-ip');
  const oauthLimit = limitRequests([{ limit: perIp, key: sourceIp }]);
  const authorize = authorizeRoute({
    clients,
    issuer,
    servers: config.servers.map((server) => server.name),
    requestKey,
    logger,
    limit: (c) => perIp.consume(sourceIp(c)),
  });
  // Served at the root, where Claude falls back to when metadata is missing, and under /oauth for older docs.
  for (const prefix of ['', '/oauth']) {
    for (const name of ['token', 'revoke', 'introspect']) app.use(`${prefix}/${name}`, oauthLimit);
    app.on(['GET', 'POST'], `${prefix}/authorize`, authorize);
    app.post(`${prefix}/token`, token);
    app.post(`${prefix}/revoke`, revoke);
    app.post(`${prefix}/introspect`, introspect);
    app.post(`${prefix}/register`, registrationLimit);
    app.route(`${prefix}/register`, registration);
  }

  const providers = upstream.providers.map(({ id, label }) => ({ id, label }));
  const throttle = new LoginThrottle(limiters);
  const connecting = connectingApp({ clients, knownClients, requestKey, issuer });
  app.route('/', loginRoutes({ users: storage.users, sessions, csrf, throttle, audit, sourceIp, local: config.auth.local, providers, connecting }));
  if (upstream.providers.length > 0) {
    // Each sign-in starts a fetch upstream: the per-address budget keeps that from being an amplifier.
    app.use('/login/:provider/*', oauthLimit);
    const state = new LoginState(deps.secret('upstream-login'), cookies);
    app.route(
      '/',
      upstreamLoginRoutes({ providers: upstream.providers, identities: storage.identities, sessions, state, vault: upstream.vault, audit, baseUrl: issuer }),
    );
  }
  const gateway = deps.gateway;
  const connections = gateway && {
    servers: gateway.upstreams.map(({ server }) => ({ name: server.name, description: server.description, secrets: server.secrets })),
    secrets: gateway.secrets,
  };
  const passwords = config.auth.local ? { throttle, sourceIp } : undefined;
  app.route('/', accountRoutes({ storage, sessions, csrf, audit, connections, passwords }));
  app.route(
    '/',
    consentRoutes({
      storage,
      clients,
      knownClients,
      sessions,
      csrf,
      audit,
      issuer,
      requestKey,
      authCodeTtlSeconds: config.ttl.authCode,
      now: deps.now,
      serversReached: gateway && ((resource, user) => serversReached(gateway.upstreams, issuer, resource, user)),
    }),
  );
}

/**
 * The upstream servers a token for `resource` reaches for `user`: one server's own endpoint reaches that server,
 * the origin and `/mcp` reach every server the user may use.
 */
async function serversReached(upstreams: readonly Upstream[], issuer: string, resource: string, user: { id: string; username: string }) {
  const caller = { user, clientId: '', scopes: [] };
  // Any other of our resources (the origin, `/mcp`, its alias) is the aggregate endpoint, which reaches them all.
  const own = upstreams.find((upstream) => resource === issuer + gatewayPath(upstream.name));
  const reached = own ? [own] : upstreams;
  const allowed = await Promise.all(reached.map((upstream) => upstream.mayUse(caller)));
  return reached
    .filter((_, index) => allowed[index])
    .map(({ server }) => ({ name: server.name, description: server.description, tools: describeToolFilter(server.tools) }));
}
