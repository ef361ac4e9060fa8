// `gatehouse servers list|test`: the upstream MCP servers of SERVERS_FILE as the gateway sees them, the sessions every
// instance runs (from the registry in the database), and a trial start of one server through the gateway's own code.
import type { ServerContext } from '@modelcontextprotocol/server';
import { Command, InvalidArgumentError } from 'commander';
import type { Caller } from '../caller.js';
import type { Config } from '../config.js';
import { GatewayError } from '../gateway/gateway-error.js';
import type { AccessRule } from '../gateway/policy.js';
import { referencesOf, usesUserValues, type UpstreamServer } from '../gateway/servers-file.js';
import { LIVE_WITHIN_MS } from '../gateway/session-registry.js';
import { completed, HeldCalls, type Askable } from '../gateway/input-requests.js';
import { UpstreamSessions, type Launch, type SessionWork } from '../gateway/upstream-sessions.js';
import { deriveKey } from '../keys/secrets.js';
import { createLogger } from '../log.js';
import { CONNECTIONS_PATH, createUpstreams } from '../parts/gateway.js';
import type { Storage } from '../storage/index.js';
import type { UpstreamSessionRow } from '../storage/upstream-sessions.js';
import { peekConfig } from './database.js';
import { iso, localTime, printFields, printJson, printTable, Refused, runCommand, withStorage } from './run.js';

/** How far back `servers list` looks in the audit trail for each server's last failed call. */
const AUDIT_SCAN_LIMIT = 10_000;
/** tools/list pages followed by `servers test`, against an upstream whose cursor never ends. */
const MAX_PAGES = 50;

const NO_SERVERS = 'No upstream servers: SERVERS_FILE is not set, or every server in it is disabled.\n';

export function serversCommand(): Command {
  const servers = new Command('servers').description('the upstream MCP servers of SERVERS_FILE: what is configured and running, and a trial start');

  servers
    .command('list')
    .description('list the configured servers with who may use them, their running sessions (on every instance) and their last failed call')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        if (peekConfig().servers.length === 0) return void process.stdout.write(options.json ? '[]\n' : NO_SERVERS);
        await withStorage(async (storage, config) => {
          const listings = await listServers(storage, config.servers);
          if (options.json) return printJson(listings);
          printServers(listings);
        });
      }),
    );

  servers
    .command('test')
    .description('start one server (or connect to it) as the gateway would, list its tools, time it, and stop it')
    .argument('<name>', 'the server, as named in SERVERS_FILE')
    .option('--user <username>', 'whose values and secrets to start it with (default: ADMIN_USERNAME; a shared server needs none)')
    .option('--timeout <seconds>', "time allowed to start and to list (default: the server's own timeout)", seconds)
    .option('--json', 'print JSON')
    .action((name: string, options: { user?: string; timeout?: number; json?: boolean }) =>
      runCommand(() =>
        withStorage(async (storage, config) => {
          const report = await testServer(storage, config, name, options, (warning) => process.stderr.write(`warning: ${warning}\n`));
          if (options.json) return printJson(report);
          printTest(report);
        }),
      ),
    );

  return servers;
}

const seconds = (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 3600) throw new InvalidArgumentError('give a number of seconds from 0 to 3600');
  return parsed;
};

// servers list

interface SessionListing {
  /** The user's name; `*` for a shared server's session. */
  user: string;
  user_id: string | null;
  pid: number | null;
  instance: string;
  instance_id: string;
  started: string;
  seen: string;
}

interface LastError {
  at: string;
  method: string;
  target: string | null;
  outcome: string;
  reason: string | null;
}

interface ServerListing {
  name: string;
  description: string | null;
  transport: UpstreamServer['transport'];
  isolation: UpstreamServer['isolation'];
  allow: '*' | { users: string[]; emails: string[]; groups: string[] };
  secrets: string[];
  sessions: SessionListing[];
  last_error: LastError | null;
}

async function listServers(storage: Storage, servers: readonly UpstreamServer[]): Promise<ServerListing[]> {
  const rows = await storage.upstreamSessions.running(Date.now() - LIVE_WITHIN_MS);
  const usernames = await usernamesOf(storage, rows);
  const lastErrors = await lastErrorsOf(storage, servers);
  return servers.map((server) => ({
    name: server.name,
    description: server.description ?? null,
    transport: server.transport,
    isolation: server.isolation,
    allow: allowOf(server.allow),
    secrets: Object.keys(server.secrets),
    sessions: rows
      .filter((row) => row.server === server.name)
      .map((row) => ({
        user: row.owner === '*' ? '*' : (usernames.get(row.owner) ?? `(deleted user ${row.owner})`),
        user_id: row.owner === '*' ? null : row.owner,
        pid: row.pid,
        instance: row.instanceLabel,
        instance_id: row.instanceId,
        started: iso(row.startedAt)!,
        seen: iso(row.seenAt)!,
      })),
    last_error: lastErrors.get(server.name) ?? null,
  }));
}

async function usernamesOf(storage: Storage, rows: readonly UpstreamSessionRow[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(rows.map((row) => row.owner).filter((owner) => owner !== '*'))) {
    const user = await storage.users.findById(id);
    if (user) names.set(id, user.username);
  }
  return names;
}

/** Each server's most recent refused or failed call (the gateway audits every call but listings). */
async function lastErrorsOf(storage: Storage, servers: readonly UpstreamServer[]): Promise<Map<string, LastError>> {
  const wanted = new Set(servers.map((server) => server.name));
  const found = new Map<string, LastError>();
  for (const event of await storage.audit.list({ limit: AUDIT_SCAN_LIMIT, type: 'upstream.call' })) {
    const detail = event.detail ?? {};
    const server = detail.server;
    if (typeof server !== 'string' || !wanted.has(server) || found.has(server)) continue;
    if (detail.outcome !== 'refused' && detail.outcome !== 'error') continue;
    found.set(server, {
      at: iso(event.at)!,
      method: String(detail.method),
      target: typeof detail.target === 'string' ? detail.target : null,
      outcome: detail.outcome,
      reason: typeof detail.reason === 'string' ? detail.reason : null,
    });
    if (found.size === wanted.size) break;
  }
  return found;
}

function allowOf(rule: AccessRule): ServerListing['allow'] {
  if (rule.everyone) return '*';
  return { users: [...rule.users], emails: [...rule.emails], groups: [...rule.groups] };
}

function describeAllow(allow: ServerListing['allow']): string {
  if (allow === '*') return 'everyone';
  const lists = Object.entries(allow).filter(([, names]) => names.length > 0);
  return lists.map(([kind, names]) => `${kind} ${names.join(', ')}`).join('; ');
}

function describeError(error: LastError | null): string {
  if (!error) return '';
  const call = error.target ? `${error.method} ${error.target}` : error.method;
  return `${localTime(Date.parse(error.at))} ${call}: ${error.outcome}${error.reason ? ` (${error.reason})` : ''}`;
}

function printServers(listings: ServerListing[]): void {
  printTable(
    listings.map((server) => ({
      name: server.name,
      transport: server.transport,
      isolation: server.isolation,
      allow: describeAllow(server.allow),
      secrets: server.secrets.join(', '),
      sessions: String(server.sessions.length),
      'last error': describeError(server.last_error),
    })),
  );
  const sessions = listings.flatMap((server) => server.sessions.map((session) => ({ server: server.name, ...session })));
  if (sessions.length === 0) return;
  process.stdout.write('\nRunning sessions\n');
  printTable(
    sessions.map((session) => ({
      server: session.server,
      user: session.user === '*' ? '(shared)' : session.user,
      pid: session.pid === null ? '' : String(session.pid),
      instance: session.instance,
      started: localTime(Date.parse(session.started)),
    })),
  );
}

// servers test

interface TestReport {
  server: string;
  transport: UpstreamServer['transport'];
  isolation: UpstreamServer['isolation'];
  /** Whose values and secrets it ran with; null for a shared server that needs none. */
  user: string | null;
  pid: number | null;
  protocol: string | null;
  connect_ms: number;
  tools_list_ms: number;
  /** `offered`: whether the server's tool filter lets the gateway offer it. */
  tools: { name: string; offered: boolean }[];
  warnings: string[];
}

/** The gateway's sessions, noting when the client is ready and what it negotiated. */
class ObservedSessions extends UpstreamSessions {
  connectedAt: number | undefined;
  protocol: string | undefined;

  override use<T>(server: UpstreamServer, owner: string, launch: Launch, work: SessionWork<T>, offer?: Askable): Promise<T> {
    return super.use(
      server,
      owner,
      launch,
      (client, holdWhile) => {
        this.connectedAt ??= performance.now();
        this.protocol ??= client.getNegotiatedProtocolVersion();
        return work(client, holdWhile);
      },
      offer,
    );
  }
}

class ServerTestFailed extends Refused {}

async function testServer(
  storage: Storage,
  config: Config,
  name: string,
  options: { user?: string; timeout?: number },
  onWarning: (warning: string) => void,
): Promise<TestReport> {
  const configured = config.servers.find((server) => server.name === name);
  if (!configured) {
    const known = config.servers.map((server) => server.name);
    throw new Refused(
      known.length === 0
        ? `no server ${name}: SERVERS_FILE is not set, or every server in it is disabled`
        : `no server ${name}; the servers are ${known.join(', ')}`,
    );
  }
  const server: UpstreamServer = options.timeout ? { ...configured, timeoutMs: options.timeout * 1000 } : configured;
  const warnings: string[] = [];
  const warn = (warning: string) => {
    warnings.push(warning);
    onWarning(warning);
  };
  if (server.transport === 'stdio' && server.isolation === 'user' && !usesUserValues(server)) {
    warn(`${name} runs one process per user, but its args and env name no \${user.…} value: every user's process reads and writes the same files`);
  }
  const caller = await callerFor(storage, config, server, options.user);

  const stderr: string[] = [];
  // The upstream's stderr, to show when it does not start; nothing else the sessions log is for this command.
  const logger = createLogger('info', {
    write: (line: string) => {
      const entry = JSON.parse(line) as { msg?: string; stderr?: string };
      if (entry.msg === 'upstream stderr' && entry.stderr) stderr.push(entry.stderr);
    },
  });
  const sessions = new ObservedSessions({ logger, idleTimeoutMs: config.serverIdleTimeoutMs, inheritedEnvironment: config.inheritedEnvironment });
  const stopOnSignal = () => {
    sessions.killNow();
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
  const vault = referencesOf(server).upstream.length > 0 && !config.auth.external ? await upstreamVault(storage, config) : undefined;
  const { upstreams } = createUpstreams([server], {
    storage,
    secret: (purpose) => deriveKey(config.jwtSecret, purpose),
    config,
    vault,
    sessions,
    // A test lists tools, and asks no one anything.
    held: new HeldCalls(),
    onRequest: () => undefined,
  });
  const upstream = upstreams[0]!;

  try {
    if (caller.user.id !== '*' && !(await upstream.mayUse(caller)))
      warn(`${caller.user.username} may not use ${name} (its "allow" leaves them out): the gateway refuses them its tools`);
    const missing = await upstream.missingSecrets(caller);
    if (missing.length > 0)
      throw new ServerTestFailed(`${name} needs ${missing.join(', ')} from ${caller.user.username}: they add it at ${config.baseUrl}${CONNECTIONS_PATH}`);

    const started = performance.now();
    const tools: TestReport['tools'] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed = completed(await upstream.request(caller, 'tools/list', cursor === undefined ? {} : { cursor }, requestContext(server.timeoutMs)), name);
      for (const tool of Array.isArray(listed.tools) ? (listed.tools as { name?: unknown }[]) : [])
        if (typeof tool.name === 'string') tools.push({ name: tool.name, offered: upstream.permitsTool(tool.name) });
      cursor = typeof listed.nextCursor === 'string' && listed.nextCursor !== '' ? listed.nextCursor : undefined;
      if (cursor === undefined) break;
    }
    const listedAt = performance.now();
    const connectedAt = sessions.connectedAt ?? started;
    return {
      server: name,
      transport: server.transport,
      isolation: server.isolation,
      user: caller.user.id === '*' ? null : caller.user.username,
      pid: sessions.status().sessions[0]?.pid ?? null,
      protocol: sessions.protocol ?? null,
      connect_ms: Math.round(connectedAt - started),
      tools_list_ms: Math.round(listedAt - connectedAt),
      tools,
      warnings,
    };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    const said = stderr.at(-1);
    throw new ServerTestFailed(`${error.message}${said ? ` (its last line on stderr: ${said.slice(0, 200)})` : ''}`);
  } finally {
    await sessions.close();
    process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
  }
}

/**
 * The user whose values and secrets the server is started with: the one named, else the admin. A shared server
 * whose templates name no user value, secret or upstream token runs for no one in particular.
 */
async function callerFor(storage: Storage, config: Config, server: UpstreamServer, username: string | undefined): Promise<Caller> {
  const references = referencesOf(server);
  const needsUser = server.isolation === 'user' || references.user.length > 0 || references.upstream.length > 0 || Object.keys(server.secrets).length > 0;
  const clientId = 'gatehouse servers test';
  if (username === undefined && !needsUser) return { user: { id: '*', username: '*' }, clientId, scopes: [] };
  const wanted = username ?? config.admin.username;
  const user = await storage.users.findByUsername(wanted);
  if (!user) throw new Refused(username === undefined ? `no user ${wanted} (ADMIN_USERNAME): name one with --user` : `no user ${wanted}`);
  return { user: { id: user.id, username: user.username }, clientId, scopes: [] };
}

/** Where the users' upstream tokens are kept, as the server keeps them (KEEP_UPSTREAM_TOKENS). */
async function upstreamVault(storage: Storage, config: Config) {
  const { upstreamProviders } = await import('../parts/authorization-server.js');
  return upstreamProviders(config, { storage, secret: (purpose) => deriveKey(config.jwtSecret, purpose) }).vault;
}

/** What Upstream.request reads of an MCP request's context: its signal, and no progress token to relay. */
function requestContext(timeoutMs: number): ServerContext {
  const mcpReq = { signal: AbortSignal.timeout(timeoutMs), _meta: undefined, notify: async () => undefined };
  return { mcpReq } as unknown as ServerContext;
}

function printTest(report: TestReport): void {
  const hidden = report.tools.filter((tool) => !tool.offered).length;
  printFields({
    server: `${report.server} (${report.transport}, isolation ${report.isolation})`,
    user: report.user ?? '(shared: no user)',
    ...(report.pid !== null && { pid: String(report.pid) }),
    protocol: report.protocol ?? '(unknown)',
    connect: `${report.connect_ms} ms (start and initialize)`,
    'tools/list': `${report.tools_list_ms} ms`,
    tools: `${report.tools.length}${hidden > 0 ? ` (${hidden} hidden by its "tools" filter)` : ''}`,
  });
  for (const tool of report.tools) process.stdout.write(`  ${tool.name}${tool.offered ? '' : '  (hidden)'}\n`);
  process.stdout.write(`Stopped ${report.server}.\n`);
}
