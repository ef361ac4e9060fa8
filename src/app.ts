// The composition root of the HTTP surface: the services every part shares are built once here, then the three
// parts, each from its own small deps and its own slice of the configuration: the authorization server (unless an
// external one is trusted instead), the protected resource (the MCP endpoints), and operations.
import type { ServerEventBus } from '@modelcontextprotocol/server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from './app-env.js';
import { createAudit } from './audit.js';
import type { Clock } from './clock.js';
import type { RedisConnections } from './cluster/redis.js';
import type { Config } from './config.js';
import { boundBodies, OAUTH_BODY_LIMIT, PAGE_BODY_LIMIT } from './http/body-limits.js';
import { clientIp } from './http/client-ip.js';
import { errorResponder, requestContext } from './http/request-context.js';
import { requestRecorder } from './http/request-line.js';
import { securityHeaders, withSecurityHeaders } from './http/security-headers.js';
import type { KeyStore } from './keys/key-store.js';
import { deriveKey } from './keys/secrets.js';
import { unredactedLogger, type Logger } from './log.js';
import type { Toolset } from './mcp/toolset.js';
import { Metrics } from './metrics.js';
import type { ClientRegistry } from './oauth/client-registry.js';
import type { KnownClients } from './oauth/known-clients.js';
import type { Brand } from './pages/brand.js';
import { answerUnrouted, isPagePath, unexpectedErrorPage } from './pages/respond.js';
import { mountAuthorizationServer, upstreamProviders } from './parts/authorization-server.js';
import { mountOperations } from './parts/operations.js';
import { mountProtectedResource } from './parts/protected-resource.js';
import type { Shared } from './parts/shared.js';
import { createGateway } from './parts/gateway.js';
import { gatewayPath, MCP_PATHS } from './protected-resources.js';
import type { NodeRoute } from './http/node-route.js';
import type { RevocationList } from './resource/revocation-list.js';
import type { Storage } from './storage/index.js';
import type { Tracing } from './tracing.js';

export type { AppEnv } from './app-env.js';

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
  clock: Clock;
}

export function createApp(deps: AppDeps) {
  const { config, storage, logger } = deps;
  const metrics = new Metrics(storage);
  const corsForBrowsers = cors({
    origin: config.corsOrigins,
    allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Mcp-Session-Id', 'MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name', 'Last-Event-ID'],
    exposeHeaders: ['WWW-Authenticate', 'Mcp-Session-Id', 'MCP-Protocol-Version'],
    maxAge: 86400,
  });
  const shared: Shared = {
    storage,
    keys: deps.keys,
    logger,
    now: deps.clock,
    metrics,
    audit: createAudit(storage, logger, config.trustProxy, metrics),
    secret: (purpose) => deriveKey(config.jwtSecret, purpose),
    limiters: { redis: deps.redis?.commands, prefix: config.redisPrefix },
    sourceIp: (c: Context) => clientIp(c, config.trustProxy),
    // Only browsers send Origin; server-to-server calls (Claude's backend) skip the CORS work entirely.
    browserApi: ((c, next) => (c.req.header('origin') === undefined ? next() : corsForBrowsers(c, next))) satisfies MiddlewareHandler,
  };

  const app = new Hono<AppEnv>();
  const recordRequest = requestRecorder(unredactedLogger(logger), metrics);
  const headers = securityHeaders(config.baseUrl);
  // Every page shows the deployer's name and logo.
  const brand: Brand = { name: config.brand.name, logoUrl: config.brand.logoUrl };
  app.use(requestContext({ record: recordRequest, tracing: deps.tracing }));
  app.use((c, next) => {
    c.set('brand', brand);
    return next();
  });
  app.use(withSecurityHeaders(headers));
  // Every body is bounded; the MCP endpoints bound their own, larger ones.
  const mcpPaths = new Set<string>([...MCP_PATHS, ...config.servers.map((server) => gatewayPath(server.name))]);
  app.use(boundBodies((path) => (mcpPaths.has(path) ? undefined : isPagePath(path) ? PAGE_BODY_LIMIT : OAUTH_BODY_LIMIT)));
  app.onError(errorResponder(logger, metrics, unexpectedErrorPage));
  // Browsers get a page, API clients JSON; 405 where the path takes other methods; and the pages' icon.
  app.notFound(answerUnrouted(app));
  // Discovery is public: any origin may read it, and it is never behind auth.
  app.use('/.well-known/*', cors({ origin: '*', allowMethods: ['GET', 'OPTIONS'], maxAge: 86400 }));

  // With an external authorization server, Gatehouse signs no one in: it is the protected resource only.
  const upstream = config.auth.external ? undefined : upstreamProviders(config, shared);
  const gateway = createGateway({ ...shared, config, vault: upstream?.vault, redis: deps.redis });
  if (upstream)
    mountAuthorizationServer(app, { ...shared, config, clients: deps.clients, knownClients: deps.knownClients, redis: deps.redis, upstream, gateway });
  // Before the resource: a browser's GET of the origin is the home page, anything else there is MCP.
  mountOperations(app, { config, storage, metrics, pingRedis: deps.redis && (() => deps.redis!.ping()) });
  const resource = mountProtectedResource(app, {
    ...shared,
    config,
    revocations: deps.revocations,
    toolsets: deps.toolsets,
    bus: deps.bus,
    vault: upstream?.vault,
    gateway,
  });
  // Routes served on Node's own request and response, ahead of the app. Where the other instances forward the
  // calls of users whose upstream process runs here is one; with tracing on, MCP requests take the app's path, so
  // that each one gets its span.
  const routeDeps = { securityHeaders: headers, record: recordRequest };
  const routes = [gateway?.forwardRoute?.(routeDeps), deps.tracing ? undefined : resource.door(routeDeps)].filter((route) => route !== undefined);
  const door: NodeRoute | undefined = routes.length === 0 ? undefined : (request, response) => routes.some((route) => route(request, response));

  return {
    app,
    door,
    gateway,
    async close() {
      await resource.close();
      await gateway?.close();
    },
  };
}
