// SERVERS_FILE: the MCP servers the gateway fronts, in the `mcpServers` shape of Claude Desktop's and Claude Code's
// configuration files, plus Gatehouse's own keys (isolation, allow, tools, secrets, timeout, maxProcesses). Every problem
// in the file is reported at once, in one ConfigError naming the file, the server and the field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type Environment } from '../config.js';
import { accessRule, toolFilter, type AccessRule, type ToolFilter } from './policy.js';
import { compileTemplate, InvalidTemplate, type RenderContext, type Template, type TemplateReferences, type TemplateValues } from './templates.js';

export interface ServerCommon {
  name: string;
  description?: string;
  /** "user": one process or client connection per user; "shared": one for everyone. */
  isolation: 'user' | 'shared';
  allow: AccessRule;
  tools: ToolFilter;
  /** The secrets each user supplies for this server: name → the description shown to them. */
  secrets: Readonly<Record<string, string>>;
  timeoutMs: number;
}

export interface StdioServer extends ServerCommon {
  transport: 'stdio';
  command: Template;
  args: Template[];
  env: Readonly<Record<string, Template>>;
  cwd?: string;
  /** Processes this server may run at once (one per user with isolation "user"). */
  maxProcesses: number;
}

export interface HttpServer extends ServerCommon {
  transport: 'http' | 'sse';
  url: Template;
  headers: Readonly<Record<string, Template>>;
}

export type UpstreamServer = StdioServer | HttpServer;

// Names become a path segment (/mcp/<name>) and a tool prefix (<name>__tool) that must stay within 64 characters.
const SERVER_NAME = /^[a-zA-Z0-9_-]{1,32}$/;
// Gatehouse's own endpoints under /mcp/.
const RESERVED_NAMES = new Set(['streamable']);

// "streamable-http" (Claude Desktop) and "streamableHttp" (Cline, Roo Code) are other files' names for Streamable HTTP.
const TRANSPORTS = { stdio: 'stdio', http: 'http', 'streamable-http': 'http', streamableHttp: 'http', sse: 'sse' } as const;
type TransportName = keyof typeof TRANSPORTS;
type Transport = (typeof TRANSPORTS)[TransportName];

const nonEmptyStrings = z.array(z.string().min(1));

const COMMON_KEYS = {
  type: z.enum(Object.keys(TRANSPORTS) as [TransportName, ...TransportName[]]).optional(),
  transport: z.enum(Object.keys(TRANSPORTS) as [TransportName, ...TransportName[]]).optional(),
  description: z.string().optional(),
  isolation: z.enum(['user', 'shared']).default('user'),
  allow: z
    .union([z.literal('*'), z.strictObject({ users: nonEmptyStrings.optional(), emails: nonEmptyStrings.optional(), groups: nonEmptyStrings.optional() })], {
      error: 'must be "*" or an object of users, emails and groups',
    })
    .optional(),
  tools: z.strictObject({ allow: nonEmptyStrings.optional(), deny: nonEmptyStrings.optional() }).default({}),
  secrets: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'is not a secret name (up to 64 letters, digits and "_", not starting with a digit)'), z.string())
    .default({}),
  timeout: z.number().positive('must be a positive number of seconds').max(3600, 'must be at most 3600 seconds').default(300),
  disabled: z.boolean().optional(),
  // Claude Desktop's and Claude Code's own approval keys: meaningless here, but refusing them would refuse their files.
  autoApprove: z.unknown().optional(),
  alwaysAllow: z.unknown().optional(),
};

const StdioEntry = z.strictObject({
  ...COMMON_KEYS,
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string().regex(/^[^=\0]+$/, 'is not an environment variable name'), z.string()).default({}),
  cwd: z.string().min(1).optional(),
  maxProcesses: z.number().int().min(1).default(50),
});

const HttpEntry = z.strictObject({
  ...COMMON_KEYS,
  url: z.string().min(1),
  // RFC 9110 §5.1: a field name is a token.
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a header name'), z.string()).default({}),
});

// The keys of one transport found on a server of another: a clearer message than "not a known setting".
const TRANSPORT_KEYS: Record<string, string> = {
  command: 'stdio',
  args: 'stdio',
  env: 'stdio',
  cwd: 'stdio',
  maxProcesses: 'stdio',
  url: 'http and sse',
  headers: 'http and sse',
};

type Report = (field: string, message: string) => void;

/** Validates a parsed servers file; `source` names it in errors. Disabled servers are left out. */
export function parseServers(document: unknown, source: string, env: Environment): UpstreamServer[] {
  if (!isObject(document) || !isObject(document.mcpServers)) throw new ConfigError(`${source}: must be an object with an "mcpServers" object`);
  const problems: string[] = [];
  const servers: UpstreamServer[] = [];
  for (const [name, entry] of Object.entries(document.mcpServers)) {
    // Claude's way to park a server, often half configured: not checked further.
    if (isObject(entry) && entry.disabled === true) continue;
    const report: Report = (field, message) => problems.push(`server ${JSON.stringify(name)}: ${field ? `${field} ${message}` : message}`);
    const server = parseServer(name, entry, env, report);
    if (server) servers.push(server);
  }
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.join('; ')}`);
  return servers;
}

/** Reads and validates SERVERS_FILE. */
export function loadServersFile(path: string, env: Environment): UpstreamServer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`${path}: cannot be read (${code === 'ENOENT' ? 'no such file' : (error as Error).message})`);
  }
  let document: unknown;
  try {
    // Editors on Windows may save a byte order mark, which JSON.parse refuses.
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`${path}: is not valid JSON (${(error as Error).message})`);
  }
  return parseServers(document, path, env);
}

/** True when the server's command, arguments or environment (or URL and headers) differ from one user to the next. */
export function usesUserValues(server: UpstreamServer): boolean {
  return templatesOf(server).some((template) => template.references.user.length > 0);
}

/** Everything the server's templates need at use time: which user fields, secrets and upstream tokens. */
export function referencesOf(server: UpstreamServer): TemplateReferences {
  const templates = templatesOf(server);
  const all = <T>(pick: (references: TemplateReferences) => readonly T[]) => [...new Set(templates.flatMap((template) => pick(template.references)))];
  return { user: all((r) => r.user), secrets: all((r) => r.secrets), upstream: all((r) => r.upstream) };
}

function templatesOf(server: UpstreamServer): Template[] {
  if (server.transport === 'stdio') return [server.command, ...server.args, ...Object.values(server.env)];
  return [server.url, ...Object.values(server.headers)];
}

function parseServer(name: string, raw: unknown, env: Environment, report: Report): UpstreamServer | undefined {
  if (!SERVER_NAME.test(name)) report('', 'has a name that is not 1 to 32 letters, digits, "_" or "-"');
  if (RESERVED_NAMES.has(name.toLowerCase())) report('', `has a reserved name: /mcp/${name} is Gatehouse's own endpoint`);
  if (!isObject(raw)) {
    report('', 'must be an object');
    return undefined;
  }
  const transport = transportOf(raw);
  const parsed = (transport === 'stdio' ? StdioEntry : HttpEntry).safeParse(raw, { error: describeIssue });
  if (!parsed.success) {
    for (const problem of problemsOf(parsed.error.issues)) report(formatPath(problem.path), problem.message);
    return undefined;
  }
  const entry = parsed.data;
  if (entry.type && entry.transport && TRANSPORTS[entry.type] !== TRANSPORTS[entry.transport]) report('transport', `disagrees with type "${entry.type}"`);
  if (entry.allow !== undefined && entry.allow !== '*' && !entry.allow.users?.length && !entry.allow.emails?.length && !entry.allow.groups?.length) {
    report('allow', 'names no one: remove it to let everyone in, or set "disabled": true');
  }

  const common: ServerCommon = {
    name,
    ...(entry.description !== undefined && { description: entry.description }),
    isolation: entry.isolation,
    allow: accessRule(entry.allow),
    tools: toolFilter(entry.tools),
    secrets: entry.secrets,
    timeoutMs: entry.timeout * 1000,
  };
  const templates = new TemplateCompiler(env, entry.secrets, report);
  const server = serverOf(entry, transport, common, templates);
  // One process for everyone cannot carry one person's values: every user's call would restart it as theirs.
  const perUser = referencesOf(server);
  if (
    server.isolation === 'shared' &&
    (perUser.user.length > 0 || perUser.secrets.length > 0 || perUser.upstream.length > 0 || Object.keys(server.secrets).length > 0)
  ) {
    report(
      'isolation',
      '"shared" runs one session for everyone, so the server cannot name ${user.…}, ${secret.…} or ${upstream.…} values, nor declare secrets',
    );
  }
  return server;
}

function serverOf(
  entry: z.infer<typeof StdioEntry> | z.infer<typeof HttpEntry>,
  transport: Transport,
  common: ServerCommon,
  templates: TemplateCompiler,
): UpstreamServer {
  if ('command' in entry) {
    return {
      ...common,
      transport: 'stdio',
      command: templates.compile(entry.command, 'command', 'argument'),
      args: entry.args.map((arg, index) => templates.compile(arg, `args[${index}]`, 'argument')),
      env: mapValues(entry.env, (value, key) => templates.compile(value, formatPath(['env', key]), 'argument')),
      ...(entry.cwd !== undefined && { cwd: templates.fixedText(entry.cwd, 'cwd') }),
      maxProcesses: entry.maxProcesses,
    };
  }
  return {
    ...common,
    transport: transport === 'sse' ? 'sse' : 'http',
    url: templates.compile(entry.url, 'url', 'url'),
    headers: mapValues(entry.headers, (value, key) => templates.compile(value, formatPath(['headers', key]), 'header')),
  };
}

/** The transport named by type (or transport), else stdio for a command and http for a URL. */
function transportOf(raw: Record<string, unknown>): Transport {
  const named = raw.type ?? raw.transport;
  if (typeof named === 'string' && Object.hasOwn(TRANSPORTS, named)) return TRANSPORTS[named as TransportName];
  // An unknown type is reported by the schema; the entry's own keys choose which schema reads the rest.
  return 'url' in raw && !('command' in raw) ? 'http' : 'stdio';
}

/** Compiles one server's templates, reporting each problem instead of stopping at the first. */
class TemplateCompiler {
  private readonly sampleValues: TemplateValues;

  constructor(
    private readonly env: Environment,
    private readonly secrets: Readonly<Record<string, string>>,
    private readonly report: Report,
  ) {
    // Values that pass every check: rendered with them, a template shows what the file itself puts in the string.
    this.sampleValues = {
      user: { id: 'user', username: 'user', email: 'user@example.com' },
      secrets: mapValues(secrets, () => 'secret'),
      upstream: { oidc: 'token', github: 'token' },
    };
  }

  compile(text: string, field: string, context: RenderContext): Template {
    let template: Template;
    try {
      template = compileTemplate(text, field, this.env);
    } catch (error) {
      if (!(error instanceof InvalidTemplate)) throw error;
      this.report('', error.message);
      // A stand-in: any problem fails the whole file, so it is never used.
      return compileTemplate('', field);
    }
    const undeclared = template.references.secrets.filter((name) => !Object.hasOwn(this.secrets, name));
    for (const name of undeclared) this.report(field, `uses \${secret.${name}}, which is not declared in "secrets"`);
    if (undeclared.length === 0) this.checkText(this.sample(template, context), field, context);
    return template;
  }

  /** A string fixed for the server (cwd): environment variables only. */
  fixedText(text: string, field: string): string {
    const template = this.compile(text, field, 'argument');
    const { user, secrets, upstream } = template.references;
    if (user.length + secrets.length + upstream.length === 0) return this.sample(template, 'argument');
    this.report(field, 'can use environment variables only, not ${user…}, ${secret…} or ${upstream…}');
    return '';
  }

  private sample(template: Template, context: RenderContext): string {
    return template.render(this.sampleValues, context);
  }

  private checkText(text: string, field: string, context: RenderContext): void {
    // RFC 9110 §5.5 for headers; a NUL cannot pass through execve.
    if (context === 'url' && !isHttpUrl(text)) this.report(field, 'must be an absolute http or https URL');
    if (context === 'header' && !/^[\t\x20-\x7e\x80-\xff]*$/.test(text))
      this.report(field, 'holds a line break, a control character or a character a header cannot carry');
    if (context === 'argument' && text.includes('\0')) this.report(field, 'holds a NUL character');
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

interface Problem {
  path: PropertyKey[];
  message: string;
}

/** zod's issues as problems with a field each: unknown keys one by one, a union's problems from the branch that fits. */
function* problemsOf(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = []): Generator<Problem> {
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const other = path.length === 0 ? TRANSPORT_KEYS[key] : undefined;
        yield { path: [...path, key], message: other ? `is only for ${other} servers` : 'is not a known setting' };
      }
    } else if (issue.code === 'invalid_key') {
      yield* problemsOf(issue.issues, path);
    } else if (issue.code === 'invalid_union') {
      // A branch refused at its root is the wrong kind of value; one that looked inside is the one that was meant.
      const fitting = issue.errors.filter(
        (branch) => !branch.some((inner) => inner.path.length === 0 && ['invalid_type', 'invalid_value'].includes(inner.code)),
      );
      if (fitting.length === 1) yield* problemsOf(fitting[0]!, path);
      else yield { path, message: issue.message };
    } else {
      yield { path, message: issue.message };
    }
  }
}

const KINDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

/** zod's messages in the file's words: `tools.deny[0] must be a string`. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${KINDS[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be ${oneOf(issue.values.map((value) => JSON.stringify(value)))}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'number') return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`;
      return undefined;
    case 'too_big':
      return issue.origin === 'number' ? `must be at most ${String(issue.maximum)}` : undefined;
    default:
      return undefined;
  }
}

const oneOf = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`);

/** ['tools', 'deny', 0] → `tools.deny[0]`; ['headers', 'X-User'] → `headers.X-User`; odd keys quoted. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (/^[A-Za-z_][\w-]*$/.test(name)) return index === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join('');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues<T, U>(record: Readonly<Record<string, T>>, map: (value: T, key: string) => U): Record<string, U> {
  // Object.fromEntries defines own properties: a key named "__proto__" stays a key.
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]));
}
