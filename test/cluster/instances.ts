// Gatehouse instances as separate processes sharing one PostgreSQL database and one Redis, as behind a load
// balancer. They share BASE_URL (the balancer's address): tokens and redirects do not care which one answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createPostgresDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/free-port.js';
import { ADMIN, TEST_JWT_SECRET } from '../helpers/gatehouse.js';

export interface Instance {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

export interface Cluster {
  baseUrl: string;
  database: TestDatabase;
  env: Record<string, string>;
  /** Starts an instance on `port` (BASE_URL's unless given), with `extra` in its environment only. */
  start(port?: number, extra?: Record<string, string>): Promise<Instance>;
  close(): Promise<void>;
}

/** A shared database and Redis namespace; instances started from it join the same deployment. */
export async function createCluster(delta: Record<string, string> = {}): Promise<Cluster> {
  const database = await createPostgresDatabase();
  const basePort = await freePort();
  const baseUrl = `http://127.0.0.1:${basePort}`;
  const env = {
    NODE_ENV: 'test',
    BASE_URL: baseUrl,
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL!,
    // Each test deployment gets its own namespace in the shared Redis.
    REDIS_PREFIX: `gatehouse-test-${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
    ...delta,
  };
  const running = new Set<Instance>();
  return {
    baseUrl,
    database,
    env,
    async start(port?: number, extra: Record<string, string> = {}) {
      // Tracked from the spawn on, so close() also ends an instance still starting when a test gives up.
      const instance = spawnInstance({ ...env, ...extra }, port ?? basePort);
      running.add(instance);
      instance.child.once('exit', () => running.delete(instance));
      await untilReady(instance);
      return instance;
    },
    async close() {
      for (const instance of running) await instance.kill();
      await database.drop();
    },
  };
}

function spawnInstance(env: Record<string, string>, port: number): Instance {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    // Each instance is reached by the others at its own port (the gateway forwards calls there).
    env: { ...process.env, INTERNAL_URL: `http://127.0.0.1:${port}`, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    port,
    child,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function untilReady(instance: Instance): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${instance.url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (instance.child.exitCode !== null || Date.now() > deadline) {
      await instance.kill();
      throw new Error(`instance on ${instance.port} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
