// Starts a real Gatehouse on 127.0.0.1 (random port, fresh SQLite file) with a configuration delta.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:http';
import { createGatehouse, type Environment, type Gatehouse, type GatehouseOptions } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
export const TEST_JWT_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export const CLAUDE_REGISTRATION = {
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
  token_endpoint_auth_method: 'client_secret_post',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 'Claude',
};

export interface TestGatehouse {
  baseUrl: string;
  mcpUrl: string;
  gatehouse: Gatehouse;
  /** DATABASE_URL of this server: a fresh SQLite file, or a fresh PostgreSQL database (TEST_DIALECT=postgres). */
  databaseUrl: string;
  /** The SQLite file, when the database is one. */
  dbFile: string | undefined;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  register(body?: object): Promise<Response>;
  /** The server's clock: `advance(seconds)` moves expiry forward instead of waiting for it. */
  clock: TestClock;
  /** Stops the server and opens a new one on the same port, database and secret. */
  restart(): Promise<TestGatehouse>;
  close(): Promise<void>;
}

export interface StartOptions {
  toolsets?: GatehouseOptions['toolsets'];
  /** Upstream servers, as the library takes them (instead of SERVERS_FILE). */
  servers?: GatehouseOptions['servers'];
  /** A logger of the test's own (to read what Gatehouse logs). */
  logger?: GatehouseOptions['logger'];
  /** Restart on an earlier run's folder, database and port. */
  reuse?: { dir: string; port: number; database: TestDatabase };
}

/** The system's time, plus however far a test moved it. */
export class TestClock {
  #offsetMs = 0;
  readonly now = () => Date.now() + this.#offsetMs;
  advance(seconds: number): void {
    this.#offsetMs += seconds * 1000;
  }
}

export async function startGatehouse(delta: Environment = {}, options: StartOptions = {}): Promise<TestGatehouse> {
  const { reuse } = options;
  const dir = reuse?.dir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const database = await createTestDatabase(dir, reuse?.database);
  let listener: Gatehouse['requestListener'] = (_request, response) => void response.writeHead(503).end('starting');
  const server = createServer((request, response) => listener(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(reuse?.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: Environment = {
    NODE_ENV: 'test',
    PORT: String(port),
    BASE_URL: baseUrl,
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...delta,
  };
  let gatehouse: Gatehouse;
  const clock = new TestClock();
  try {
    gatehouse = await createGatehouse({
      env,
      clock: clock.now,
      ...(options.toolsets && { toolsets: options.toolsets }),
      ...(options.servers && { servers: options.servers }),
      ...(options.logger && { logger: options.logger }),
    });
  } catch (error) {
    server.close();
    if (!reuse) await database.drop();
    throw error;
  }
  listener = gatehouse.requestListener;

  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gatehouse.close();
  };
  return {
    baseUrl,
    mcpUrl: `${baseUrl}/mcp`,
    gatehouse,
    clock,
    databaseUrl: database.url,
    dbFile: database.file,
    fetch: (path, init) => fetch(new URL(path, baseUrl), { redirect: 'manual', ...init }),
    register: (body = CLAUDE_REGISTRATION) =>
      fetch(`${baseUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    async restart() {
      await stop();
      // Let this process's HTTP client see the closed keep-alive sockets before it picks one for a POST.
      await sleep(50);
      return startGatehouse(delta, { ...options, reuse: { dir, port, database } });
    },
    async close() {
      await stop();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
