// SERVERS_FILE: Claude Desktop's `mcpServers` shape plus Gatehouse's keys; one message naming file, server and field.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { mayUse, permitsTool } from '../../src/gateway/policy.js';
import {
  loadServersFile,
  parseServers,
  referencesOf,
  usesUserValues,
  type HttpServer,
  type StdioServer,
  type UpstreamServer,
} from '../../src/gateway/servers-file.js';
import { UnsafeTemplateValue, type TemplateValues } from '../../src/gateway/templates.js';

const EXAMPLE = {
  mcpServers: {
    memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: { MEMORY_FILE_PATH: '/srv/memory/${user.id}.jsonl' } },
    files: { command: 'mcp-server-filesystem', args: ['/srv/files/${user.username}'], isolation: 'user' },
    everything: { type: 'http', url: 'http://127.0.0.1:3001/mcp', headers: { 'X-User': '${user.id}' } },
    github: {
      type: 'http',
      url: 'https://api.githubcopilot.com/mcp/',
      headers: { Authorization: 'Bearer ${secret.GITHUB_TOKEN}' },
      secrets: { GITHUB_TOKEN: 'A GitHub token with the repo scope' },
      allow: { users: ['alice'], groups: ['eng'] },
      tools: { deny: ['delete_*'] },
    },
  },
};

const values = (user: Partial<TemplateValues['user']> = {}): TemplateValues => ({
  user: { id: 'u-42', username: 'alice', email: 'alice@example.com', ...user },
  secrets: { GITHUB_TOKEN: 'ghp_x' },
  upstream: { github: 'gho_y' },
});

const parse = (servers: Record<string, unknown>, env: Record<string, string | undefined> = {}) => parseServers({ mcpServers: servers }, 'servers.json', env);
const one = (entry: unknown, env: Record<string, string | undefined> = {}) => parse({ s: entry }, env)[0]!;
const stdio = (entry: unknown, env: Record<string, string | undefined> = {}) => one(entry, env) as StdioServer;
const http = (entry: unknown, env: Record<string, string | undefined> = {}) => one(entry, env) as HttpServer;

/** Asserts that parsing fails with exactly this ConfigError message. */
function refuses(document: unknown, message: string, env: Record<string, string | undefined> = {}) {
  assert.throws(
    () => parseServers(document, 'servers.json', env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe('servers file: the example', () => {
  const servers = parseServers(EXAMPLE, 'servers.json', {});
  const byName = Object.fromEntries(servers.map((server) => [server.name, server])) as Record<string, UpstreamServer>;

  it('reads every server, in file order, with the documented defaults', () => {
    assert.deepEqual(
      servers.map((server) => [server.name, server.transport, server.isolation, server.timeoutMs]),
      [
        ['memory', 'stdio', 'user', 300_000],
        ['files', 'stdio', 'user', 300_000],
        ['everything', 'http', 'user', 300_000],
        ['github', 'http', 'user', 300_000],
      ],
    );
    assert.equal((byName.memory as StdioServer).maxProcesses, 50);
    assert.deepEqual(byName.memory!.secrets, {});
    assert.equal(byName.memory!.description, undefined);
    assert.equal('cwd' in byName.memory!, false);
  });

  it('renders each server’s templates for a user', () => {
    const memory = byName.memory as StdioServer;
    assert.equal(memory.command.render(values(), 'argument'), 'npx');
    assert.deepEqual(
      memory.args.map((arg) => arg.render(values(), 'argument')),
      ['-y', '@modelcontextprotocol/server-memory'],
    );
    assert.equal(memory.env.MEMORY_FILE_PATH!.render(values(), 'argument'), '/srv/memory/u-42.jsonl');
    assert.equal((byName.files as StdioServer).args[0]!.render(values(), 'argument'), '/srv/files/alice');
    const everything = byName.everything as HttpServer;
    assert.equal(everything.url.render(values(), 'url'), 'http://127.0.0.1:3001/mcp');
    assert.equal(everything.headers['X-User']!.render(values(), 'header'), 'u-42');
    assert.equal((byName.github as HttpServer).headers.Authorization!.render(values(), 'header'), 'Bearer ghp_x');
  });

  it('applies the github server’s access rule and tool filter', () => {
    const github = byName.github!;
    assert.deepEqual(github.secrets, { GITHUB_TOKEN: 'A GitHub token with the repo scope' });
    assert.equal(mayUse(github.allow, { username: 'alice', groups: [] }), true);
    assert.equal(mayUse(github.allow, { username: 'bob', groups: ['eng'] }), true);
    assert.equal(mayUse(github.allow, { username: 'bob', groups: ['sales'] }), false);
    assert.equal(mayUse(byName.memory!.allow, { username: 'bob', groups: [] }), true);
    assert.equal(permitsTool(github.tools, 'delete_repo'), false);
    assert.equal(permitsTool(github.tools, 'create_issue'), true);
  });

  it('says which servers differ per user, and what each one needs', () => {
    assert.deepEqual(
      servers.map((server) => [server.name, usesUserValues(server)]),
      [
        ['memory', true],
        ['files', true],
        ['everything', true],
        ['github', false],
      ],
    );
    assert.equal(usesUserValues(stdio({ command: 'mcp-server-time', env: { TZ: 'UTC' } })), false);
    assert.deepEqual(referencesOf(byName.github!), { user: [], secrets: ['GITHUB_TOKEN'], upstream: [] });
    assert.deepEqual(referencesOf(http({ url: 'https://a.example/${user.id}', headers: { A: '${upstream.github} ${user.id}', B: '${upstream.oidc}' } })), {
      user: ['id'],
      secrets: [],
      upstream: ['github', 'oidc'],
    });
  });
});

describe('servers file: Claude Desktop and Claude Code files', () => {
  it('accepts extra top-level keys such as globalShortcut', () => {
    const servers = parseServers(
      { globalShortcut: 'Ctrl+Space', preferences: { x: 1 }, mcpServers: { time: { command: 'uvx', args: ['mcp-server-time'] } } },
      'claude_desktop_config.json',
      {},
    );
    assert.deepEqual(
      servers.map((server) => server.name),
      ['time'],
    );
  });

  it('accepts and ignores autoApprove and alwaysAllow, keeps description, and skips disabled servers', () => {
    const servers = parse({
      a: { command: 'x', autoApprove: ['read'], alwaysAllow: ['write'], description: 'The A server' },
      b: { command: 'y', disabled: true, nonsense: 1, url: 5 },
      c: { command: 'z', disabled: false },
    });
    assert.deepEqual(
      servers.map((server) => [server.name, server.description]),
      [
        ['a', 'The A server'],
        ['c', undefined],
      ],
    );
    assert.equal('autoApprove' in servers[0]!, false);
  });

  it('reads type and transport, with streamable-http for http, and infers it from command or url', () => {
    for (const [entry, transport] of [
      [{ command: 'x' }, 'stdio'],
      [{ type: 'stdio', command: 'x' }, 'stdio'],
      [{ transport: 'stdio', command: 'x' }, 'stdio'],
      [{ url: 'https://a.example/mcp' }, 'http'],
      [{ type: 'http', url: 'https://a.example/mcp' }, 'http'],
      [{ type: 'streamable-http', url: 'https://a.example/mcp' }, 'http'],
      [{ type: 'streamableHttp', url: 'https://a.example/mcp' }, 'http'],
      [{ transport: 'streamable-http', url: 'https://a.example/mcp' }, 'http'],
      [{ type: 'http', transport: 'streamable-http', url: 'https://a.example/mcp' }, 'http'],
      [{ type: 'sse', url: 'https://a.example/sse' }, 'sse'],
      [{ transport: 'sse', url: 'https://a.example/sse' }, 'sse'],
    ] as const) {
      assert.equal(one(entry).transport, transport, JSON.stringify(entry));
    }
  });

  it('reads Gatehouse’s own keys', () => {
    const server = stdio({
      command: 'x',
      cwd: '${BASE:-/srv}/work',
      isolation: 'shared',
      timeout: 1.5,
      maxProcesses: 3,
      allow: { emails: ['A@example.com'] },
      tools: { allow: ['get_*'] },
    });
    assert.equal(server.cwd, '/srv/work');
    assert.equal(server.isolation, 'shared');
    assert.equal(server.timeoutMs, 1500);
    assert.equal(server.maxProcesses, 3);
    assert.equal(mayUse(server.allow, { username: 'z', email: 'a@EXAMPLE.com', groups: [] }), true);
    assert.equal(permitsTool(server.tools, 'get_x'), true);
    assert.equal(permitsTool(server.tools, 'set_x'), false);
    assert.equal(http({ type: 'sse', url: 'https://a.example', isolation: 'shared' }).isolation, 'shared');
    assert.equal(mayUse(stdio({ command: 'x', allow: '*' }).allow, { username: 'z', groups: [] }), true);
    assert.equal(mayUse(stdio({ command: 'x', allow: { users: ['*'] } }).allow, { username: 'z', groups: [] }), true);
  });

  it('returns no servers for an empty mcpServers', () => {
    assert.deepEqual(parse({}), []);
  });
});

describe('servers file: environment variables', () => {
  const env = { API_HOST: 'api.example.com', TOKEN: 'ghp_env', EMPTY: '', BIN: '/opt/bin', WEIRD: '${secret.X}' };

  it('expands ${VAR} and ${VAR:-default} in command, args, env, url and headers', () => {
    const process = stdio({ command: '${BIN}/server', args: ['--port=${PORT:-8080}', '${EMPTY:-none}'], env: { HOST: '${API_HOST}' } }, env);
    assert.equal(process.command.render(values(), 'argument'), '/opt/bin/server');
    assert.deepEqual(
      process.args.map((arg) => arg.render(values(), 'argument')),
      ['--port=8080', 'none'],
    );
    assert.equal(process.env.HOST!.render(values(), 'argument'), 'api.example.com');
    const remote = http({ url: 'https://${API_HOST}/mcp/${user.id}', headers: { Authorization: 'Bearer ${TOKEN}' } }, env);
    assert.equal(remote.url.render(values(), 'url'), 'https://api.example.com/mcp/u-42');
    assert.equal(remote.headers.Authorization!.render(values(), 'header'), 'Bearer ghp_env');
  });

  it('takes a variable’s value literally, never as a placeholder', () => {
    const server = stdio({ command: 'x', args: ['${WEIRD}'] }, env);
    assert.equal(server.args[0]!.render(values(), 'argument'), '${secret.X}');
  });

  it('checks the URL once expanded', () => {
    assert.equal(http({ url: '${MCP_URL}' }, { MCP_URL: 'https://a.example/mcp' }).url.render(values(), 'url'), 'https://a.example/mcp');
    refuses({ mcpServers: { s: { url: '${MCP_URL}' } } }, 'servers.json: server "s": url must be an absolute http or https URL', {
      MCP_URL: 'ftp://a.example',
    });
  });

  it('refuses an unset variable without default, naming file, server and field', () => {
    refuses(
      { mcpServers: { github: { url: 'https://a.example', headers: { Authorization: 'Bearer ${GITHUB_TOKEN}' } } } },
      'servers.json: server "github": headers.Authorization uses ${GITHUB_TOKEN}, which is not set in Gatehouse\'s environment (set it, or give a default: ${GITHUB_TOKEN:-…})',
    );
  });
});

describe('servers file: refusals', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a tool pattern that is not a string', { github: { url: 'https://a.example', tools: { deny: [1] } } }, 'server "github": tools.deny[0] must be a string'],
    ['a stdio server without command', { s: { type: 'stdio' } }, 'server "s": command is required'],
    ['an entry with neither command nor url', { s: {} }, 'server "s": command is required'],
    ['an http server without url', { s: { type: 'http' } }, 'server "s": url is required'],
    ['an empty command', { s: { command: '' } }, 'server "s": command must not be empty'],
    ['args that are not an array', { s: { command: 'x', args: 'a b' } }, 'server "s": args must be an array'],
    ['an argument that is not a string', { s: { command: 'x', args: ['a', 2] } }, 'server "s": args[1] must be a string'],
    ['env that is not an object', { s: { command: 'x', env: ['A=1'] } }, 'server "s": env must be an object'],
    ['an env value that is not a string', { s: { command: 'x', env: { PORT: 80 } } }, 'server "s": env.PORT must be a string'],
    ['an env name with "="', { s: { command: 'x', env: { 'A=B': 'x' } } }, 'server "s": env["A=B"] is not an environment variable name'],
    ['a header name with a space', { s: { url: 'https://a.example', headers: { 'X User': 'x' } } }, 'server "s": headers["X User"] is not a header name'],
    ['a header value that is not a string', { s: { url: 'https://a.example', headers: { 'X-N': 1 } } }, 'server "s": headers.X-N must be a string'],
    [
      'a header value with a line break',
      { s: { url: 'https://a.example', headers: { X: 'a\r\nHost: b' } } },
      'server "s": headers.X holds a line break, a control character or a character a header cannot carry',
    ],
    ['an argument with NUL', { s: { command: 'x', args: ['a\0b'] } }, 'server "s": args[0] holds a NUL character'],
    ['a URL that is not http or https', { s: { url: 'file:///etc/passwd' } }, 'server "s": url must be an absolute http or https URL'],
    ['a relative URL', { s: { type: 'sse', url: '/mcp' } }, 'server "s": url must be an absolute http or https URL'],
    ['a URL made of a secret alone', { s: { url: '${secret.URL}', secrets: { URL: 'u' } } }, 'server "s": url must be an absolute http or https URL'],
    [
      'an unknown type',
      { s: { type: 'websocket', url: 'wss://a.example' } },
      'server "s": type must be "stdio", "http", "streamable-http", "streamableHttp" or "sse"',
    ],
    ['type and transport disagreeing', { s: { type: 'sse', transport: 'http', url: 'https://a.example' } }, 'server "s": transport disagrees with type "sse"'],
    ['a url on a stdio server', { s: { command: 'x', url: 'https://a.example' } }, 'server "s": url is only for http and sse servers'],
    ['headers on a stdio server', { s: { command: 'x', headers: {} } }, 'server "s": headers is only for http and sse servers'],
    ['a command on an http server', { s: { type: 'http', url: 'https://a.example', command: 'x' } }, 'server "s": command is only for stdio servers'],
    ['maxProcesses on an http server', { s: { url: 'https://a.example', maxProcesses: 2 } }, 'server "s": maxProcesses is only for stdio servers'],
    ['cwd on an http server', { s: { url: 'https://a.example', cwd: '/tmp' } }, 'server "s": cwd is only for stdio servers'],
    ['an unknown key', { s: { command: 'x', colour: 'red' } }, 'server "s": colour is not a known setting'],
    ['an unknown key in tools', { s: { command: 'x', tools: { only: ['a'] } } }, 'server "s": tools.only is not a known setting'],
    ['an unknown key in allow', { s: { command: 'x', allow: { user: ['a'] } } }, 'server "s": allow.user is not a known setting'],
    ['allow of the wrong kind', { s: { command: 'x', allow: 'everyone' } }, 'server "s": allow must be "*" or an object of users, emails and groups'],
    ['a username that is not a string', { s: { command: 'x', allow: { users: [7] } } }, 'server "s": allow.users[0] must be a string'],
    ['an empty group name', { s: { command: 'x', allow: { groups: [''] } } }, 'server "s": allow.groups[0] must not be empty'],
    ['allow naming no one', { s: { command: 'x', allow: {} } }, 'server "s": allow names no one: remove it to let everyone in, or set "disabled": true'],
    ['an unknown isolation', { s: { command: 'x', isolation: 'per-user' } }, 'server "s": isolation must be "user" or "shared"'],
    [
      'a secret name with "-"',
      { s: { command: 'x', secrets: { 'API-KEY': 'k' } } },
      'server "s": secrets.API-KEY is not a secret name (up to 64 letters, digits and "_", not starting with a digit)',
    ],
    [
      'a secret name too long',
      { s: { command: 'x', secrets: { ['A'.repeat(65)]: 'k' } } },
      `server "s": secrets.${'A'.repeat(65)} is not a secret name (up to 64 letters, digits and "_", not starting with a digit)`,
    ],
    ['a secret description that is not a string', { s: { command: 'x', secrets: { KEY: true } } }, 'server "s": secrets.KEY must be a string'],
    [
      'an undeclared secret',
      { s: { command: 'x', env: { KEY: '${secret.KEY}' } } },
      'server "s": env.KEY uses ${secret.KEY}, which is not declared in "secrets"',
    ],
    [
      'an unknown placeholder',
      { s: { command: 'x', args: ['${user.name}'] } },
      'server "s": args[0] has ${user.name}, which is not one of ${VAR}, ${VAR:-default}, ${user.id}, ${user.username}, ${user.email}, ${secret.NAME}, ${upstream.oidc} or ${upstream.github}',
    ],
    [
      'an unknown upstream',
      { s: { url: 'https://a.example', headers: { A: '${upstream.google}' } } },
      'server "s": headers.A has ${upstream.google}, which is not one of ${VAR}, ${VAR:-default}, ${user.id}, ${user.username}, ${user.email}, ${secret.NAME}, ${upstream.oidc} or ${upstream.github}',
    ],
    ['an unclosed placeholder', { s: { command: 'x', args: ['${user.id'] } }, 'server "s": args[0] has a "${" with no closing "}"'],
    [
      'a user value in cwd',
      { s: { command: 'x', cwd: '/srv/${user.id}' } },
      'server "s": cwd can use environment variables only, not ${user…}, ${secret…} or ${upstream…}',
    ],
    [
      'a secret in cwd',
      { s: { command: 'x', cwd: '/srv/${secret.DIR}' } },
      'server "s": cwd uses ${secret.DIR}, which is not declared in "secrets"; server "s": cwd can use environment variables only, not ${user…}, ${secret…} or ${upstream…}',
    ],
    ['a timeout of zero', { s: { command: 'x', timeout: 0 } }, 'server "s": timeout must be a positive number of seconds'],
    ['a timeout over an hour', { s: { command: 'x', timeout: 3601 } }, 'server "s": timeout must be at most 3600 seconds'],
    ['a timeout as a string', { s: { command: 'x', timeout: '300' } }, 'server "s": timeout must be a number'],
    ['a fractional maxProcesses', { s: { command: 'x', maxProcesses: 1.5 } }, 'server "s": maxProcesses must be a whole number'],
    ['a maxProcesses of zero', { s: { command: 'x', maxProcesses: 0 } }, 'server "s": maxProcesses must be at least 1'],
    ['disabled that is not a boolean', { s: { command: 'x', disabled: 'yes' } }, 'server "s": disabled must be true or false'],
    ['a description that is not a string', { s: { command: 'x', description: 5 } }, 'server "s": description must be a string'],
    ['an entry that is not an object', { s: 'npx server' }, 'server "s": must be an object'],
    ['a name with a space', { 'my server': { command: 'x' } }, 'server "my server": has a name that is not 1 to 32 letters, digits, "_" or "-"'],
    ['a name with a slash', { 'a/b': { command: 'x' } }, 'server "a/b": has a name that is not 1 to 32 letters, digits, "_" or "-"'],
    [
      'a name of 33 characters',
      { ['n'.repeat(33)]: { command: 'x' } },
      `server "${'n'.repeat(33)}": has a name that is not 1 to 32 letters, digits, "_" or "-"`,
    ],
    ['an empty name', { '': { command: 'x' } }, 'server "": has a name that is not 1 to 32 letters, digits, "_" or "-"'],
    ['the reserved name', { streamable: { command: 'x' } }, 'server "streamable": has a reserved name: /mcp/streamable is Gatehouse\'s own endpoint'],
    [
      'a shared server that names a user value',
      { s: { command: 'x', args: ['/srv/${user.id}'], isolation: 'shared' } },
      'server "s": isolation "shared" runs one session for everyone, so the server cannot name ${user.…}, ${secret.…} or ${upstream.…} values, nor declare secrets',
    ],
    [
      'a shared server that declares secrets',
      { s: { url: 'https://a.example/mcp', headers: { Authorization: 'Bearer ${secret.KEY}' }, secrets: { KEY: 'key' }, isolation: 'shared' } },
      'server "s": isolation "shared" runs one session for everyone, so the server cannot name ${user.…}, ${secret.…} or ${upstream.…} values, nor declare secrets',
    ],
    [
      'the reserved name in capitals',
      { Streamable: { command: 'x' } },
      'server "Streamable": has a reserved name: /mcp/Streamable is Gatehouse\'s own endpoint',
    ],
  ];
  for (const [name, servers, problem] of cases) {
    it(`refuses ${name}`, () => refuses({ mcpServers: servers }, `servers.json: ${problem}`));
  }

  it('reports every problem at once, joined with "; "', () => {
    refuses(
      {
        mcpServers: {
          ok: { command: 'x' },
          a: { command: 'x', timeout: 0, isolation: 'nobody' },
          b: { url: 'https://a.example', headers: { A: '${secret.MISSING}', B: '${UNSET}' } },
        },
      },
      'servers.json: server "a": isolation must be "user" or "shared"; server "a": timeout must be a positive number of seconds; ' +
        'server "b": headers.A uses ${secret.MISSING}, which is not declared in "secrets"; ' +
        'server "b": headers.B uses ${UNSET}, which is not set in Gatehouse\'s environment (set it, or give a default: ${UNSET:-…})',
    );
  });

  it('refuses a document without an mcpServers object', () => {
    for (const document of [null, 'x', [], {}, { servers: {} }, { mcpServers: [] }, { mcpServers: 'x' }, { mcpServers: null }]) {
      refuses(document, 'servers.json: must be an object with an "mcpServers" object');
    }
  });
});

describe('servers file: user values at use time', () => {
  const files = stdio({ command: 'mcp-server-filesystem', args: ['/srv/files/${user.username}'] });

  it('refuses hostile usernames instead of building another path', () => {
    for (const username of ['../x', 'a b', 'a;rm', '$(id)', '-rf', '.hidden', 'a/b', '..', '']) {
      assert.throws(
        () => files.args[0]!.render(values({ username }), 'argument'),
        (error: unknown) => error instanceof UnsafeTemplateValue && error.field === 'args[0]' && error.reference === 'user.username',
        JSON.stringify(username),
      );
    }
  });

  it('refuses a hostile user value in env and in a URL too', () => {
    const memory = stdio({ command: 'x', env: { FILE: '/srv/${user.id}.jsonl' } });
    assert.throws(() => memory.env.FILE!.render(values({ id: '../../etc/passwd' }), 'argument'), {
      name: 'UnsafeTemplateValue',
      reference: 'user.id',
      field: 'env.FILE',
    });
    const remote = http({ url: 'https://a.example/u/${user.username}' });
    assert.throws(() => remote.url.render(values({ username: '../admin' }), 'url'), { name: 'UnsafeTemplateValue', reference: 'user.username', field: 'url' });
  });

  it('percent-encodes an email address in a URL', () => {
    const remote = http({ url: 'https://a.example/users/${user.email}/mcp?as=${user.email}' });
    assert.equal(
      remote.url.render(values({ email: 'a.b+mcp@example.com' }), 'url'),
      'https://a.example/users/a.b%2Bmcp%40example.com/mcp?as=a.b%2Bmcp%40example.com',
    );
  });
});

describe('loading the servers file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-servers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a JSON file, with or without a byte order mark', () => {
    const path = join(dir, 'servers.json');
    writeFileSync(path, JSON.stringify(EXAMPLE));
    assert.deepEqual(
      loadServersFile(path, {}).map((server) => server.name),
      ['memory', 'files', 'everything', 'github'],
    );
    writeFileSync(path, '\uFEFF' + JSON.stringify({ mcpServers: { a: { command: 'x' } } }));
    assert.deepEqual(
      loadServersFile(path, {}).map((server) => server.name),
      ['a'],
    );
  });

  it('names the file when it is missing', () => {
    const path = join(dir, 'missing.json');
    assert.throws(() => loadServersFile(path, {}), { name: 'ConfigError', message: `${path}: cannot be read (no such file)` });
  });

  it('names the file when it is not JSON', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "mcpServers": { "a": { "command": "x", } } }');
    assert.throws(
      () => loadServersFile(path, {}),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${path}: is not valid JSON (`) && error.message.endsWith(')'),
    );
  });

  it('names the file in problems with its servers', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ mcpServers: { github: { url: 'https://a.example', tools: { deny: [1] } } } }));
    assert.throws(() => loadServersFile(path, {}), { name: 'ConfigError', message: `${path}: server "github": tools.deny[0] must be a string` });
  });
});
