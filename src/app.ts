// Assembles the HTTP surface: discovery, the authorization server with its sign-in pages (unless an external one is
// trusted instead), and the guarded MCP endpoints.
import type { IncomingMessage } from 'node:http';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { ServerEventBus } from '@modelcontextprotocol/server';
import type { RedisConnections } from './cluster/redis.js';
import type { Config } from './config.js';
import { createAudit } from './audit.js';
import { accountRoutes } from './identity/account.js';
import { LoginThrottle } from './identity/login-throttle.js';
import { Cookies } from './identity/cookies.js';
import { CsrfProtection } from './identity/csrf.js';
import { loginRoutes } from './identity/login.js';
import { SessionManager } from './identity/sessions.js';
import { GitHubSignIn } from './identity/upstream/github.js';
import { LoginState } from './identity/upstream/login-state.js';
import { OidcSignIn } from './identity/upstream/oidc.js';
import type { UpstreamSignIn } from './identity/upstream/provider.js';
import { upstreamLoginRoutes } from './identity/upstream/routes.js';
import { UpstreamTokenVault } from './identity/upstream/token-vault.js';
import type { KeyStore } from './keys/key-store.js';
import { deriveKey } from './keys/secrets.js';
import { unredactedLogger, type Logger } from './log.js';
import { createMcpEndpoint } from './mcp/endpoint.js';
import type { Toolset } from './mcp/toolset.js';
import { authorizeRoute } from './oauth/authorize.js';
import { consentRoutes } from './oauth/consent.js';
import { errorAnswer, OAuthError, unexpectedErrorAnswer } from './errors.js';
import { toResponse } from './http/answer.js';
import { authorizationServerMetadata } from './oauth/metadata.js';
import { ClientAssertions } from './oauth/client-assertion.js';
import type { ClientRegistry } from './oauth/client-registry.js';
import type { KnownClients } from './oauth/known-clients.js';
import { introspectRoute } from './oauth/introspect.js';
import { registrationRoutes } from './oauth/register.js';
import { revokeRoute } from './oauth/revoke.js';
import { tokenRoute } from './oauth/token.js';
import { boundBodies, closesConnection } from './http/body-limits.js';
import { clientIp } from './http/client-ip.js';
import { requestIdFrom } from './http/request-id.js';
import { requestRecorder, type RequestLine } from './http/request-line.js';
import { securityHeaders, withSecurityHeaders } from './http/security-headers.js';
import { KeyedLimit, limitRequests } from './http/rate-limit.js';
import type { Brand } from './pages/brand.js';
import { HomePage } from './pages/home.js';
import { sendPage } from './pages/respond.js';
import { STYLESHEET } from './pages/stylesheet.js';
import { safeEqual } from './crypto.js';
import { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';
import { MCP_PATHS, mcpResource } from './protected-resources.js';
import { AccessTokenVerifier } from './resource/access-token-verifier.js';
import { ExternalTokenVerifier } from './resource/external-token-verifier.js';
import { guardMcpEndpoint, mcpGate, type McpGate } from './resource/guard.js';
import { mcpDoor, type McpDoor } from './resource/mcp-door.js';
import { protectedResourceMetadata, protectedResourceMetadataUrl } from './resource/metadata.js';
import type { RevocationList } from './resource/revocation-list.js';
import { ScopeNames } from './resource/scope-names.js';
import type { Storage } from './storage/index.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  /** Finds clients in storage, and behind metadata-document URLs. */
  clients: ClientRegistry;
  /** The clients whose names Gatehouse vouches for. */
  knownClients: KnownClients;
  keys: KeyStore;
  revocations: RevocationList;
  toolsets: readonly Toolset[];
  logger: Logger;
  /** Shared state when several instances run: rate-limit counters, replay ids, readiness. */
  redis?: RedisConnections | undefined;
  /** The MCP change-event bus; across instances when Redis carries it. */
  bus?: ServerEventBus | undefined;
  /** Request spans for OpenTelemetry, when a collector is configured. */
  tracing?: Tracing | undefined;
}

/** What the app keeps on each request's context. */
export type AppEnv = { Variables: { requestId: string; clientId?: string; userId?: string; brand: Brand } };

const OAUTH_BODY_LIMIT = 64 * 1024;
const PAGE_BODY_LIMIT = 16 * 1024;
const PAGE_PATHS = /^\/(login|logout|consent|account)(\/|$)/;
const MCP_BODY_LIMIT = 4 * 1024 * 1024;
const DISCOVERY_CACHE = 'public, max-age=3600';

export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const issuer = config.baseUrl;
  const app = new Hono<AppEnv>();
  const metrics = new Metrics(deps.storage);

  // Every page shows the deployer's name and logo.
  const brand: Brand = { name: config.brand.name, logoUrl: config.brand.logoUrl };
  const recordRequest = requestRecorder(unredactedLogger(logger), metrics);
  const headers = securityHeaders(issuer);
  app.use(requestContext({ record: recordRequest, tracing: deps.tracing, brand }));
  app.use(withSecurityHeaders(headers));
  // Every body is bounded; the MCP endpoints bound their own, larger ones.
  const mcpPaths = new Set<string>(MCP_PATHS);
  app.use(boundBodies((path) => (mcpPaths.has(path) ? undefined : PAGE_PATHS.test(path) ? PAGE_BODY_LIMIT : OAUTH_BODY_LIMIT)));
  app.onError((error, c) => errorResponse(error, c, logger, metrics));
  app.notFound((c) => c.json({ error: 'not_found', error_description: `nothing at ${c.req.path}` }, 404));

  // Discovery is public: any origin may read it, and it is never behind auth.
  app.use('/.well-known/*', cors({ origin: '*', allowMethods: ['GET', 'OPTIONS'], maxAge: 86400 }));
  const corsForBrowsers = cors({
    origin: config.corsOrigins,
    allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Mcp-Session-Id', 'MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name', 'Last-Event-ID'],
    exposeHeaders: ['WWW-Authenticate', 'Mcp-Session-Id', 'MCP-Protocol-Version'],
    maxAge: 86400,
  });
  // Only browsers send Origin; server-to-server calls (Claude's backend) skip the CORS work entirely.
  const browserApi: MiddlewareHandler = (c, next) => (c.req.header('origin') === undefined ? next() : corsForBrowsers(c, next));

  // With an external authorization server, Gatehouse signs no one in: it is the protected resource only.
  const upstream = config.auth.external ? undefined : upstreamSignIn(deps);
  if (upstream) mountAuthorizationServer(app, deps, browserApi, upstream, metrics);
  // A browser opening the origin gets the home page; any other request there is MCP, as at /mcp.
  app.get('/', (c, next) => ((c.req.header('accept') ?? '').includes('text/html') ? sendPage(c, HomePage({ origin: issuer })) : next()));
  const { mcp, gates } = mountResource(app, deps, browserApi, upstream?.vault, metrics);
  // With tracing on, every request takes the app's path, so that each one gets its span.
  const door: McpDoor | undefined = deps.tracing
    ? undefined
    : mcpDoor({
        gates,
        serve: mcp.serve,
        securityHeaders: headers,
        record: recordRequest,
        onError: (error, requestId) => logger.error({ err: error, req_id: requestId }, 'unhandled error'),
      });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [database, redis] = await Promise.all([deps.storage.ping(), deps.redis?.ping()]);
    const ready = database && redis !== false;
    return c.json(
      {
        status: ready ? 'ready' : 'unavailable',
        database: database ? 'ok' : 'unreachable',
        ...(redis !== undefined && { redis: redis ? 'ok' : 'unreachable' }),
      },
      ready ? 200 : 503,
    );
  });
  app.get('/metrics', async (c) => {
    // Open unless METRICS_TOKEN is set: the figures are counts, but an operator may not want them public.
    if (config.metricsToken && !safeEqual(c.req.header('authorization') ?? '', `Bearer ${config.metricsToken}`)) {
      return c.json({ error: 'unauthorized', error_description: 'send the METRICS_TOKEN as a bearer token' }, 401, { 'WWW-Authenticate': 'Bearer' });
    }
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });
  app.get('/assets/gatehouse.css', (c) => {
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  return { app, door, close: () => mcp.close() };
}

const discovery = (document: object) => (c: Context) => {
  c.header('Cache-Control', DISCOVERY_CACHE);
  return c.json(document);
};

/** The upstream providers AUTH_MODE enables, and where their tokens are kept for tools (KEEP_UPSTREAM_TOKENS). */
function upstreamSignIn({ config, storage }: AppDeps) {
  const providers: UpstreamSignIn[] = [];
  if (config.auth.oidc) providers.push(new OidcSignIn(config.auth.oidc));
  if (config.auth.github) providers.push(new GitHubSignIn(config.auth.github));
  const vault =
    config.auth.keepUpstreamTokens && providers.length > 0
      ? new UpstreamTokenVault(storage.identities, deriveKey(config.jwtSecret, 'upstream-tokens'), providers)
      : undefined;
  return { providers, vault };
}

/** Gatehouse's own authorization server: metadata, keys, the OAuth endpoints, and the sign-in and consent pages. */
function mountAuthorizationServer(
  app: Hono<AppEnv>,
  deps: AppDeps,
  browserApi: MiddlewareHandler,
  upstream: ReturnType<typeof upstreamSignIn>,
  metrics: Metrics,
) {
  const { config, storage, keys, logger, clients, knownClients } = deps;
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

  const requestKey = deriveKey(config.jwtSecret, 'authorization-request');
  const cookies = new Cookies(issuer);
  const sessions = new SessionManager(storage.sessions, cookies, config.ttl.session);
  const csrf = new CsrfProtection(deriveKey(config.jwtSecret, 'csrf'), cookies, issuer);

  const limiters = { redis: deps.redis?.commands, prefix: config.redisPrefix };
  const assertions = new ClientAssertions({ issuer, allowLocal: config.cimdAllowLocal, redis: deps.redis });
  const sourceIp = (c: Context) => clientIp(c, config.trustProxy);
  const audit = createAudit(storage, logger, config.trustProxy, metrics);
  const perClient = new KeyedLimit(config.rateLimits.perClientPerMinute, 60, 'too many requests from this client', limiters, 'oauth-client');
  const endpoint = { clients, assertions, perClient };
  const token = tokenRoute({ storage, audit, keys, issuer, ttl: config.ttl }, endpoint);
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
  const authorize = authorizeRoute({ clients, issuer, requestKey, logger, limit: (c) => perIp.consume(sourceIp(c)) });
  // Served at the root, where Claude falls back to when metadata is missing, and under /oauth for older docs.
  for (const prefix of ['', '/oauth']) {
    for (const endpoint of ['token', 'revoke', 'introspect']) app.use(`${prefix}/${endpoint}`, oauthLimit);
    app.on(['GET', 'POST'], `${prefix}/authorize`, authorize);
    app.post(`${prefix}/token`, token);
    app.post(`${prefix}/revoke`, revoke);
    app.post(`${prefix}/introspect`, introspect);
    app.post(`${prefix}/register`, registrationLimit);
    app.route(`${prefix}/register`, registration);
  }

  const providers = upstream.providers.map(({ id, label }) => ({ id, label }));
  const throttle = new LoginThrottle(limiters);
  app.route('/', loginRoutes({ users: storage.users, sessions, csrf, throttle, audit, sourceIp, local: config.auth.local, providers }));
  if (upstream.providers.length > 0) {
    // Each sign-in starts a fetch upstream: the per-address budget keeps that from being an amplifier.
    app.use('/login/:provider/*', oauthLimit);
    const state = new LoginState(deriveKey(config.jwtSecret, 'upstream-login'), cookies);
    app.route(
      '/',
      upstreamLoginRoutes({ providers: upstream.providers, identities: storage.identities, sessions, state, vault: upstream.vault, audit, baseUrl: issuer }),
    );
  }
  app.route('/', accountRoutes({ storage, sessions, csrf, audit }));
  app.route('/', consentRoutes({ storage, clients, knownClients, sessions, csrf, audit, issuer, requestKey, authCodeTtlSeconds: config.ttl.authCode }));
}

/**
 * The protected resource: the guarded MCP endpoints and their RFC 9728 metadata, naming Gatehouse as the
 * authorization server, or the external one (AUTH_MODE=external).
 */
function mountResource(app: Hono<AppEnv>, deps: AppDeps, browserApi: MiddlewareHandler, vault: UpstreamTokenVault | undefined, metrics: Metrics) {
  const { config, storage, logger } = deps;
  const issuer = config.baseUrl;
  const external = config.auth.external;
  const scopeNames = external ? new ScopeNames(external.scopeMap) : ScopeNames.own;
  const authorizationServers = external ? external.issuers : [issuer];
  for (const path of MCP_PATHS) {
    const document = protectedResourceMetadata(mcpResource(issuer, path).url, authorizationServers, scopeNames.all());
    app.get(new URL(protectedResourceMetadataUrl(issuer, path)).pathname, discovery(document));
  }

  const verifier = external
    ? new ExternalTokenVerifier(external, scopeNames, async (identity) => {
        const user = await storage.identities.resolve(identity);
        return { id: user.id, username: user.username, disabled: user.disabledAt !== null };
      })
    : new AccessTokenVerifier(deps.keys, issuer, deps.revocations);
  const mcp = createMcpEndpoint({
    toolsets: deps.toolsets,
    requestStateKey: deriveKey(config.jwtSecret, 'mcp-request-state'),
    logger,
    bus: deps.bus,
    vault,
    onToolCall: (tool, outcome) => metrics.toolCall(tool, outcome),
    strictHeaders: config.mcpStrictHeaders,
    onQuirk: (quirk) => metrics.clientQuirk(quirk),
  });
  const guardDeps = {
    verifier,
    baseUrl: issuer,
    allowedOrigins: config.corsOrigins,
    maxBodyBytes: MCP_BODY_LIMIT,
    scopeNames,
    onRefused: (reason: string) => metrics.refused(reason),
  };
  const gates = new Map<string, McpGate>();
  for (const path of MCP_PATHS) {
    const gate = mcpGate(path, guardDeps);
    gates.set(path, gate);
    app.use(path, browserApi);
    app.all(path, guardMcpEndpoint(gate, mcp.serve));
  }
  return { mcp, gates };
}

/**
 * Gives every request an id (echoed as X-Request-Id) and the brand its pages show, then logs one line for it (route,
 * status, latency, and the client and user once known), counts it in the metrics under its route pattern (never its
 * raw path) and ends its trace span.
 */
function requestContext(options: { record: (line: RequestLine) => void; tracing: Tracing | undefined; brand: Brand }) {
  const { record, tracing, brand } = options;
  return async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('brand', brand);
    const started = performance.now();
    const span = tracing?.begin(c.req.method, c.req.path, c.req.raw.headers);
    await next();
    const seconds = (performance.now() - started) / 1000;
    // Set on the response in place: c.header() after the handler would copy the whole response.
    c.res.headers.set('X-Request-Id', requestId);
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming && closesConnection(incoming)) c.res.headers.set('Connection', 'close');
    const route = routePath(c, -1) || 'unmatched';
    span?.end(route, c.res.status, { 'gatehouse.client_id': c.var.clientId, 'gatehouse.request_id': requestId });
    record({ requestId, method: c.req.method, path: c.req.path, route, status: c.res.status, seconds, clientId: c.var.clientId, userId: c.var.userId });
  };
}

/** Refusals become their standard answers (errorAnswer); anything unexpected is a 500 that says nothing but its request id. */
function errorResponse(error: Error, c: Context<AppEnv>, logger: Logger, metrics: Metrics): Response | Promise<Response> {
  if (error instanceof OAuthError) {
    metrics.oauthError(error.code);
    logger.info(
      { req_id: c.get('requestId'), path: c.req.path, error: error.code, reason: error.slug, description: error.description, detail: error.detail },
      'refused',
    );
    const { status, headers, body } = errorAnswer(error);
    return c.body(body, status as 400, headers);
  }
  if (error instanceof HTTPException) return error.getResponse();
  const requestId = c.get('requestId');
  logger.error({ err: error, req_id: requestId, path: c.req.path }, 'unhandled error');
  return toResponse(unexpectedErrorAnswer(requestId));
}
