// Environment → typed, validated Config. The only module that reads process.env.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { AUTH_ENV, authConfig, AuthConfigError, type AuthConfig } from './auth-config.js';
import { inheritedEnvironment } from './gateway/process-transport.js';
import { loadServersFile, type UpstreamServer } from './gateway/servers-file.js';

export type Environment = Record<string, string | undefined>;

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Public origin, no trailing slash: the issuer and the base of every advertised URL. */
  baseUrl: string;
  databaseUrl: string;
  /** PostgreSQL connections per instance. */
  databasePoolSize: number;
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  redisPrefix: string;
  /** How long a shutdown waits for requests and streams in flight before closing them, in milliseconds. */
  shutdownTimeoutMs: number;
  /** Master secret: encrypts signing keys at rest, signs cookies and pending authorization requests. */
  jwtSecret: string;
  /** Where generated files live (the SQLite file's folder, or ./data). */
  dataDir: string;
  admin: { username: string; password: string | undefined };
  /** Lifetimes, in seconds. */
  ttl: { accessToken: number; refreshToken: number; authCode: number; refreshGrace: number; session: number };
  corsOrigins: string[];
  logLevel: string;
  /** LOG_FORMAT: `auto` is human-readable lines at a terminal in development, JSON everywhere else. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Which built-in toolset to serve when the library caller gives none; `none` serves only upstream servers. */
  toolset: 'demo' | 'conformance' | 'none';
  /** The upstream MCP servers Gatehouse is the gateway of (SERVERS_FILE, or the library's `servers`). */
  servers: UpstreamServer[];
  /** How long an upstream session (a process, a connection) lives without calls, in milliseconds. */
  serverIdleTimeoutMs: number;
  /** What upstream servers' processes inherit from this environment: PATH, HOME, LANG and TMPDIR only. */
  inheritedEnvironment: Record<string, string>;
  /**
   * This instance's address as the other instances reach it (INTERNAL_URL): where the gateway forwards a user's calls
   * to the instance that runs their upstream process. `{hostname}`, `{ip}` and `{ip6}` stand for this machine's own.
   */
  internalUrl: string | undefined;
  /** MCP_STRICT_HEADERS: refuse protocol headers that disagree with the body instead of reading the body's intent. */
  mcpStrictHeaders: boolean;
  registration: {
    mode: 'open' | 'allowlist' | 'closed';
    /** Redirect URIs `allowlist` accepts: exact URIs, prefixes ending in `*`, or `loopback`. */
    allowedRedirects: string[];
    /** Registrations per minute from one address, and from everyone together. */
    perIpPerMinute: number;
    globalPerMinute: number;
  };
  rateLimits: {
    /** Requests per minute from one address to /authorize, /token, /revoke and /introspect together. */
    perIpPerMinute: number;
    /** Requests per minute from one authenticated (confidential) client to /token, /revoke and /introspect. */
    perClientPerMinute: number;
  };
  /** Client ids allowed to introspect any token (resource servers); other clients only their own tokens. */
  introspectionClients: string[];
  /** How many proxies in front of Gatehouse append to X-Forwarded-For (0: use the socket address). */
  trustProxy: number;
  /** A JSON file of pre-registered clients and pinned metadata documents. */
  clientsFile: string | undefined;
  /** Development and tests only: fetch client metadata documents over http and from private addresses. */
  cimdAllowLocal: boolean;
  /** How people sign in (AUTH_MODE), or which external authorization server to trust. */
  auth: AuthConfig;
  /** When set, /metrics requires it as a bearer token. */
  metricsToken: string | undefined;
  /** The name and logo the pages show (the deployer's, not Gatehouse's). */
  brand: { name: string; logoUrl: string | undefined };
  /** OpenTelemetry: the OTLP/HTTP collector to send request spans to, when set. */
  tracing: { endpoint: string | undefined; serviceName: string };
}

// The settings each part of the app reads (src/parts/), and nothing else: adding a setting to a part touches its
// slice. The shape of Config itself stays flat, as the environment is, for library users and the CLI.
/** Gatehouse's own authorization server: OAuth endpoints, registration, sign-in and consent. */
export type AuthorizationServerConfig = Pick<
  Config,
  'baseUrl' | 'ttl' | 'registration' | 'rateLimits' | 'introspectionClients' | 'trustProxy' | 'cimdAllowLocal' | 'auth' | 'redisPrefix' | 'servers'
>;
/** The protected resource: the MCP endpoints, their metadata and their guard. */
export type ProtectedResourceConfig = Pick<Config, 'baseUrl' | 'corsOrigins' | 'auth' | 'mcpStrictHeaders'>;
/** The gateway: the upstream servers and how long their sessions idle. */
export type GatewayConfig = Pick<
  Config,
  'baseUrl' | 'servers' | 'serverIdleTimeoutMs' | 'inheritedEnvironment' | 'internalUrl' | 'redisUrl' | 'shutdownTimeoutMs'
>;
/** Operations: health, readiness, metrics, the home page and the stylesheet. */
export type OperationsConfig = Pick<Config, 'baseUrl' | 'metricsToken'>;

/** Settings the operator must change: one line per problem, each naming the setting and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const lines = typeof problems === 'string' ? [problems] : problems;
    super(lines.join('\n'));
    this.problems = lines;
  }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "3600", "3600s", "60m", "12h", "30d" → seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a duration (use seconds, or a number with s, m, h or d)`);
  const seconds = Number(match[1]) * UNITS[match[2] || 's']!;
  if (seconds <= 0) throw new Error(`"${value}" must be longer than zero`);
  return seconds;
}

// The kinds of setting, each with the one sentence that says what it takes. describeIssue() puts the setting's
// name before it and the value given after it: "PORT must be a whole number between 1 and 65535 (got "abc")".
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        return parseDuration(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a duration longer than zero: seconds, or a number with s, m, h or d (e.g. 90s, 10m, 12h, 30d)' });
        return z.NEVER;
      }
    });

const wholeNumber = (fallback: number, min: number, max?: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((value, ctx) => {
      const number = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (number >= min && (max === undefined || number <= max)) return number;
      ctx.addIssue({ code: 'custom', message: `must be a whole number ${max === undefined ? `of at least ${min}` : `between ${min} and ${max}`}` });
      return z.NEVER;
    });

const oneOf = (options: readonly unknown[]) =>
  options.length <= 2 ? options.join(' or ') : `one of ${options.slice(0, -1).join(', ')} or ${String(options.at(-1))}`;

// Their values are never repeated back, not even to the operator's own terminal: it may be a shared log.
const SECRET_SETTING = /SECRET|PASSWORD|_TOKEN$/;

/** A URL as it may be shown: without the password in it. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1@');
}

/** One line for one invalid setting: its name, what it takes, and (unless it is a secret) what it got. */
function describeIssue(key: string, issue: z.core.$ZodIssue, value: unknown): string {
  const expected =
    issue.code === 'invalid_value'
      ? `must be ${oneOf(issue.values)}`
      : issue.code === 'invalid_format' && issue.format === 'url'
        ? 'must be an absolute URL such as https://collector.example.com:4318'
        : issue.code === 'too_small' && issue.origin === 'string'
          ? `must be at least ${issue.minimum} characters`
          : issue.code === 'too_big' && issue.origin === 'string'
            ? `must be at most ${issue.maximum} characters`
            : issue.message;
  const line = /^(must|is|needs) /.test(expected) ? `${key} ${expected}` : `${key}: ${expected}`;
  if (typeof value !== 'string' || SECRET_SETTING.test(key)) return line;
  const shown = withoutPassword(value);
  return `${line} (got ${JSON.stringify(shown.length > 80 ? `${shown.slice(0, 80)}…` : shown)})`;
}

const blankAsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: wholeNumber(3000, 1, 65535),
  HOST: z.string().optional(),
  BASE_URL: z.string().optional(),
  DATABASE_URL: z
    .string()
    .default('sqlite:data/gatehouse.db')
    .refine((url) => /^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(url), 'must be sqlite:PATH, sqlite::memory: or postgres://…'),
  DATABASE_POOL_SIZE: wholeNumber(10, 1, 200),
  SHUTDOWN_TIMEOUT: duration('10'),
  REDIS_URL: z.string().optional(),
  REDIS_PREFIX: z.string().max(100).default('gatehouse:'),
  JWT_SECRET: z.string().optional(),
  ADMIN_USERNAME: z.string().min(1).max(64).default('admin'),
  ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  ACCESS_TOKEN_TTL: duration('3600'),
  REFRESH_TOKEN_TTL: duration('30d'),
  AUTH_CODE_TTL: duration('60'),
  REFRESH_TOKEN_GRACE: duration('30'),
  SESSION_TTL: duration('1d'),
  CORS_ORIGINS: z.string().default('https://claude.ai,https://claude.com'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  TOOLSET: z.enum(['demo', 'conformance', 'none']).default('demo'),
  SERVERS_FILE: z.string().optional(),
  SERVER_IDLE_TIMEOUT: duration('10m'),
  INTERNAL_URL: z
    .string()
    .refine((url) => /^https?:\/\/[^/?#]+\/?$/.test(url), 'must be http(s)://host:port, the address the other instances reach this one at')
    .optional(),
  MCP_STRICT_HEADERS: z.enum(['true', 'false']).default('false'),
  REGISTRATION: z.enum(['open', 'allowlist', 'closed']).default('open'),
  REGISTRATION_ALLOWED_REDIRECTS: z
    .string()
    .default('https://claude.ai/api/mcp/auth_callback,https://claude.com/api/mcp/auth_callback,https://chatgpt.com/connector_platform_oauth_redirect,loopback'),
  REGISTRATION_RATE_LIMIT: wholeNumber(100, 1),
  REGISTRATION_RATE_LIMIT_GLOBAL: wholeNumber(2000, 1),
  TRUST_PROXY: z
    .string()
    .default('0')
    .transform((value, ctx) => {
      if (value === 'true') return 1;
      if (value === 'false') return 0;
      const hops = Number(value);
      if (Number.isInteger(hops) && hops >= 0 && hops <= 10) return hops;
      ctx.addIssue({ code: 'custom', message: 'must be the number of proxies in front of Gatehouse (0 to 10), or true for one' });
      return z.NEVER;
    }),
  RATE_LIMIT_PER_IP: wholeNumber(600, 1),
  RATE_LIMIT_PER_CLIENT: wholeNumber(300, 1),
  INTROSPECTION_CLIENTS: z.string().default(''),
  CLIENTS_FILE: z.string().optional(),
  CIMD_ALLOW_LOCAL: z.enum(['true', 'false']).default('false'),
  METRICS_TOKEN: z.string().min(16).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().default('gatehouse'),
  BRAND_NAME: z.string().min(1).max(60).default('Gatehouse'),
  BRAND_LOGO_URL: z
    .string()
    .max(100_000)
    .refine(
      (url) => /^(https:\/\/|data:image\/(png|svg\+xml|jpeg|webp|gif);)/.test(url) || /^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(url),
      'must be an https URL or a data:image/… URL',
    )
    .optional(),
  ...AUTH_ENV,
});

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

type Settings = z.output<typeof EnvSchema>;

/** Each setting on its own: an invalid one adds its line to `problems`, and its default stands in for the checks after. */
function parseSettings(env: Record<string, unknown>, problems: string[]): Settings {
  const settings: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(EnvSchema.shape) as [string, z.ZodType][]) {
    const parsed = schema.safeParse(env[key]);
    if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => describeIssue(key, issue, env[key])));
    settings[key] = parsed.success ? parsed.data : schema.safeParse(undefined).data;
  }
  return settings as Settings;
}

/** Reads `.env` from the working folder (when present) under the process environment, which wins. */
export function readEnvironment(cwd = process.cwd()): Environment {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

export function loadConfig(env: Environment = readEnvironment()): Config {
  const cleaned = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, blankAsUnset(value)]));
  // Every problem is reported at once, one line each, rather than one per restart (a deploy each, on a PaaS).
  const problems: string[] = [];
  const e = parseSettings(cleaned, problems);
  const production = e.NODE_ENV === 'production';
  const check = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined as T; // never used: loadConfig throws below
    }
  };

  const baseUrl = check(() => {
    // In production the public URL cannot be guessed (a PaaS ends TLS in front): a localhost issuer would break every client.
    if (production && !e.BASE_URL)
      throw new ConfigError('BASE_URL is required when NODE_ENV=production: the public https origin clients use, e.g. https://mcp.example.com');
    return normalizeBaseUrl(e.BASE_URL ?? `http://localhost:${e.PORT}`, production);
  });
  const corsOrigins = check(() => parseOrigins(e.CORS_ORIGINS));
  const servers = check(() => (e.SERVERS_FILE ? serversFrom(e.SERVERS_FILE, env) : []));
  const allowLocal = check(() => cimdAllowLocal(e.CIMD_ALLOW_LOCAL === 'true', production));
  const auth = check(() => readAuthConfig(e));
  check(() => checkJwtSecret(e.JWT_SECRET, production, e.DATABASE_URL));
  if (problems.length > 0) throw new ConfigError(problems);
  const dataDir = dataDirFor(e.DATABASE_URL);
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    baseUrl,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT * 1000,
    jwtSecret: resolveJwtSecret(e.JWT_SECRET, e.DATABASE_URL, dataDir),
    dataDir,
    admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
    ttl: {
      accessToken: e.ACCESS_TOKEN_TTL,
      refreshToken: e.REFRESH_TOKEN_TTL,
      authCode: e.AUTH_CODE_TTL,
      refreshGrace: e.REFRESH_TOKEN_GRACE,
      session: e.SESSION_TTL,
    },
    corsOrigins,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    toolset: e.TOOLSET,
    servers,
    serverIdleTimeoutMs: e.SERVER_IDLE_TIMEOUT * 1000,
    inheritedEnvironment: inheritedEnvironment(env),
    internalUrl: e.INTERNAL_URL?.replace(/\/$/, ''),
    mcpStrictHeaders: e.MCP_STRICT_HEADERS === 'true',
    registration: {
      mode: e.REGISTRATION,
      allowedRedirects: e.REGISTRATION_ALLOWED_REDIRECTS.split(',')
        .map((item) => item.trim())
        .filter(Boolean),
      perIpPerMinute: e.REGISTRATION_RATE_LIMIT,
      globalPerMinute: e.REGISTRATION_RATE_LIMIT_GLOBAL,
    },
    rateLimits: { perIpPerMinute: e.RATE_LIMIT_PER_IP, perClientPerMinute: e.RATE_LIMIT_PER_CLIENT },
    introspectionClients: e.INTROSPECTION_CLIENTS.split(',')
      .map((item) => item.trim())
      .filter(Boolean),
    trustProxy: e.TRUST_PROXY,
    clientsFile: e.CLIENTS_FILE,
    cimdAllowLocal: allowLocal,
    auth,
    metricsToken: e.METRICS_TOKEN,
    brand: { name: e.BRAND_NAME, logoUrl: e.BRAND_LOGO_URL },
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
  };
}

function readAuthConfig(e: Parameters<typeof authConfig>[0]): AuthConfig {
  try {
    return authConfig(e);
  } catch (error) {
    if (error instanceof AuthConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function cimdAllowLocal(allow: boolean, production: boolean): boolean {
  // Fetching http:// and private addresses would hand attackers a server-side request forgery.
  if (allow && production) throw new ConfigError('CIMD_ALLOW_LOCAL is for development and tests; it is refused when NODE_ENV=production');
  return allow;
}

function normalizeBaseUrl(value: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`BASE_URL "${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('BASE_URL must be http or https');
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    // The issuer doubles as the origin every endpoint hangs off; a path would move the well-known documents.
    throw new ConfigError(`BASE_URL must be an origin such as https://mcp.example.com (got "${value}")`);
  }
  if (production && url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError('BASE_URL must be https in production: OAuth 2.1 and Claude.ai require TLS');
  }
  return url.origin;
}

function parseOrigins(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      try {
        const origin = new URL(item).origin;
        if (origin === 'null') throw new Error();
        return origin;
      } catch {
        throw new ConfigError(`CORS_ORIGINS entry "${item}" is not an origin such as https://claude.ai`);
      }
    });
}

function dataDirFor(databaseUrl: string): string {
  const match = /^sqlite:(.+)$/.exec(databaseUrl);
  if (match && match[1] !== ':memory:') return dirname(resolve(match[1]!));
  return resolve('data');
}

function checkJwtSecret(value: string | undefined, production: boolean, databaseUrl: string): void {
  if (value !== undefined) {
    if (value.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters (try: openssl rand -base64 48)');
    return;
  }
  if (production) throw new ConfigError('JWT_SECRET is required when NODE_ENV=production (try: openssl rand -base64 48)');
  // Instances sharing a database must share the secret that encrypts its signing keys.
  if (!databaseUrl.startsWith('sqlite:')) throw new ConfigError('JWT_SECRET is required with PostgreSQL: every instance must use the same one');
}

/** The checked JWT_SECRET, or the one generated into the data folder (written only once the settings are valid). */
function resolveJwtSecret(value: string | undefined, databaseUrl: string, dataDir: string): string {
  if (value !== undefined) return value;
  // An in-memory database forgets everything on exit, so its secret need not outlive the process either.
  if (databaseUrl === 'sqlite::memory:') return randomBytes(48).toString('base64url');
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

/** The servers file, read and checked at start: a mistake in it stops Gatehouse with the file, server and field named. */
function serversFrom(path: string, env: Environment): UpstreamServer[] {
  try {
    return loadServersFile(resolve(path), env);
  } catch (error) {
    throw new ConfigError(`SERVERS_FILE: ${(error as Error).message}`);
  }
}
