// The library API: createGatehouse() builds a ready server from the environment and the toolsets you give it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { createApp, type AppEnv } from './app.js';
import { systemClock, type Clock } from './clock.js';
import { loadConfig, readEnvironment, type Config, type Environment } from './config.js';
import { parseServers } from './gateway/servers-file.js';
import { ensureFirstUser } from './identity/first-user.js';
import { KeyStore } from './keys/key-store.js';
import { createLogger, logFormatFor, type Logger } from './log.js';
import type { Toolset } from './mcp/toolset.js';
import type { Gateway } from './parts/gateway.js';
import { RevocationList } from './resource/revocation-list.js';
import { isPostgres } from './storage/database.js';
import { openStorage, type Storage } from './storage/index.js';
import { builtInToolsets } from './tools/registry.js';
import { RedisServerEventBus } from './cluster/event-bus.js';
import { noLock, postgresLock, redisLock } from './cluster/lock.js';
import { connectRedis } from './cluster/redis.js';
import { fanOutRevocations } from './cluster/revocation-fanout.js';
import { startHousekeeping } from './housekeeping.js';
import { startTracing } from './tracing.js';
import { ClientRegistry } from './oauth/client-registry.js';
import { KnownClients } from './oauth/known-clients.js';
import { MetadataDocuments } from './oauth/metadata-documents.js';
import { PINNED_METADATA_DOCUMENTS } from './oauth/pinned-documents.js';
import { readClientsFile, storePreregisteredClient } from './oauth/preregistered-clients.js';
import { databaseProblem, redisProblem, signingKeysProblem } from './startup.js';

export interface GatehouseOptions {
  /** Settings as environment variables; defaults to the process environment and `.env`. */
  env?: Environment;
  /** Builds the toolsets to serve; defaults to the one TOOLSET names (the demo: whoami and notes). */
  toolsets?: (storage: Storage) => Toolset[];
  /**
   * The upstream MCP servers to be the gateway of, in the `mcpServers` shape of SERVERS_FILE (a Claude Desktop
   * configuration works as it is); replaces SERVERS_FILE when given.
   */
  servers?: { mcpServers: Record<string, unknown> } | undefined;
  logger?: Logger;
  /** The time expiry is decided by; tests move it forward instead of waiting. Defaults to the system's. */
  clock?: Clock;
}

export interface Gatehouse {
  config: Config;
  app: Hono<AppEnv>;
  /**
   * Web-standard request handler, for any server that speaks fetch. Pass the server's bindings along (as
   * @hono/node-server does) so that Gatehouse sees each connection's address.
   */
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /**
   * The same for Node's own http server (`npm start` uses it), and faster: MCP clients' POSTs are served on Node's
   * own request and response (src/resource/mcp-door.ts), without a Web Request and Response for each. Instances
   * sharing Redis forward their gateway calls to each other only here (src/gateway/forwarding.ts).
   */
  requestListener: (request: IncomingMessage, response: ServerResponse) => void;
  storage: Storage;
  /** The signing keys; `keys.reload()` picks up a rotation at once instead of within 30 s. */
  keys: KeyStore;
  logger: Logger;
  /** The gateway to SERVERS_FILE's upstream servers, when there are any: its sessions and its users' secrets. */
  gateway: Gateway | undefined;
  /** Set on the very first start when ADMIN_PASSWORD was not given: show it to the operator once. */
  generatedAdminPassword: string | undefined;
  /** True on the very first start, when this instance created the first user (`config.admin.username`). */
  createdFirstUser: boolean;
  close(): Promise<void>;
}

export async function createGatehouse(options: GatehouseOptions = {}): Promise<Gatehouse> {
  const env = options.env ?? readEnvironment();
  const loaded = loadConfig(env);
  const config: Config = options.servers ? { ...loaded, servers: parseServers(options.servers, 'options.servers', env) } : loaded;
  const logFormat = logFormatFor(config.logFormat, { tty: Boolean(process.stdout.isTTY), nodeEnv: config.nodeEnv });
  const logger = options.logger ?? createLogger(config.logLevel, undefined, logFormat);
  const storage = await openStorage(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    onError: (error) => logger.warn({ err: error }, 'database connection lost; it will be reopened for the next query'),
    connectAttempts: 10,
    onRetry: (error, attempt, delayMs) => logger.warn({ attempt, reason: error.message }, `the database is not reachable yet; trying again in ${delayMs} ms`),
  }).catch((error: unknown) => {
    throw databaseProblem(error, config.databaseUrl) ?? error;
  });
  const stops: (() => unknown)[] = [];
  try {
    const redis = config.redisUrl
      ? await connectRedis(config.redisUrl, config.redisPrefix, logger, randomUUID()).catch((error: unknown) => {
          throw redisProblem(error, config.redisUrl!);
        })
      : undefined;
    if (redis) stops.push(() => redis.close());
    const keys = await KeyStore.open(storage.signingKeys, config.jwtSecret, { watch: true }).catch((error: unknown) => {
      throw signingKeysProblem(error, config, env) ?? error;
    });
    stops.push(() => keys.stop());
    // A first password account only where passwords are how people sign in.
    const firstUser = config.auth.local ? await ensureFirstUser(storage.users, config.admin) : undefined;
    const revocations = await RevocationList.start(storage.grants, { retentionMs: (config.ttl.accessToken + 60) * 1000, pollMs: 2000 });
    stops.push(() => revocations.stop());
    if (redis) stops.push(await fanOutRevocations(storage.grants, redis, (grantId) => revocations.add(grantId)));
    const toolsets = options.toolsets?.(storage) ?? (await builtInToolsets(config.toolset, storage));

    const clientsFile = config.clientsFile ? readClientsFile(config.clientsFile) : { clients: [], metadataDocuments: [] };
    for (const client of clientsFile.clients) await storePreregisteredClient(storage.clients, client);
    const documents = new MetadataDocuments({
      clients: storage.clients,
      pinned: [...PINNED_METADATA_DOCUMENTS, ...clientsFile.metadataDocuments],
      allowLocal: config.cimdAllowLocal,
      shared: redis && { get: (key) => redis.commands.get(redis.key(key)), set: (key, value, ttlMs) => redis.commands.set(redis.key(key), value, 'PX', ttlMs) },
    });
    await documents.storePinned();
    const clients = new ClientRegistry(storage.clients, documents);
    const knownClients = new KnownClients(documents, storage.clients);

    const lock = redis ? redisLock(redis) : isPostgres(config.databaseUrl) ? postgresLock(storage.db) : noLock;
    const housekeeping = startHousekeeping(storage, logger, lock);
    stops.push(() => housekeeping.stop());
    const bus = redis ? await RedisServerEventBus.start(redis) : undefined;
    const tracing = await startTracing(config.tracing);
    if (tracing) stops.push(() => tracing.shutdown());
    const clock = options.clock ?? systemClock;
    const { app, door, gateway, close } = createApp({
      config,
      storage,
      clients,
      knownClients,
      keys,
      revocations,
      toolsets,
      logger,
      redis,
      bus,
      tracing,
      clock,
    });
    // Made on first use: @hono/node-server's listener swaps in its own global Request and Response, which a
    // deployer serving `fetch` elsewhere never asked for.
    let viaHono: ReturnType<typeof getRequestListener> | undefined;
    return {
      config,
      app,
      fetch: (request, env) => app.fetch(request, env),
      requestListener: (request, response) => {
        if (door?.(request, response)) return;
        viaHono ??= getRequestListener((request, env) => app.fetch(request, env));
        void viaHono(request, response);
      },
      storage,
      keys,
      logger,
      gateway,
      generatedAdminPassword: firstUser?.generatedPassword,
      createdFirstUser: firstUser !== undefined,
      async close() {
        await close();
        for (const stop of stops.reverse()) await stop();
        await storage.close();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    await storage.close();
    throw error;
  }
}

export { loadConfig, type Config, type Environment } from './config.js';
export type { Toolset, ToolServices } from './mcp/toolset.js';
export { callerOf, type Caller } from './caller.js';
export { demoToolset } from './tools/demo.js';
export type { Storage } from './storage/index.js';
