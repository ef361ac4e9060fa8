import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseDuration } from '../src/config.js';

const SECRET = 'x'.repeat(40);

describe('config', () => {
  it('reads SERVERS_FILE at start, and stops on a mistake in it with the file, server and field named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-servers-'));
    try {
      const file = join(dir, 'servers.json');
      writeFileSync(file, JSON.stringify({ mcpServers: { notes: { command: 'notes-server', args: ['--dir', '${NOTES_DIR:-/srv/notes}'] } } }));
      const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', SERVERS_FILE: file, SERVER_IDLE_TIMEOUT: '90s' });
      assert.deepEqual(
        config.servers.map((server) => server.name),
        ['notes'],
      );
      assert.equal(config.serverIdleTimeoutMs, 90_000);
      writeFileSync(file, JSON.stringify({ mcpServers: { notes: { command: 'notes-server', tools: { deny: [1] } } } }));
      assert.throws(
        () => loadConfig({ DATABASE_URL: 'sqlite::memory:', SERVERS_FILE: file }),
        (error: Error) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /^SERVERS_FILE: .*servers\.json: server "notes": tools\.deny\[0\]/);
          return true;
        },
      );
      assert.throws(
        () => loadConfig({ DATABASE_URL: 'sqlite::memory:', SERVERS_FILE: join(dir, 'missing.json') }),
        /SERVERS_FILE: .*missing\.json: cannot be read/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses durations in seconds, minutes, hours and days', () => {
    for (const [input, seconds] of [
      ['3600', 3600],
      ['45s', 45],
      ['15m', 900],
      ['12h', 43200],
      ['30d', 2592000],
    ] as const) {
      assert.equal(parseDuration(input), seconds, input);
    }
    for (const bad of ['', 'soon', '-5', '0', '1w', '1.5h']) assert.throws(() => parseDuration(bad), Error, bad);
  });

  it('applies the documented defaults', () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.baseUrl, 'http://localhost:3000');
    assert.deepEqual(config.ttl, { accessToken: 3600, refreshToken: 2592000, authCode: 60, refreshGrace: 30, session: 86400 });
    assert.deepEqual(config.corsOrigins, ['https://claude.ai', 'https://claude.com']);
    assert.equal(config.admin.username, 'admin');
    assert.equal(config.logLevel, 'info');
  });

  it('strips a trailing slash from BASE_URL: the issuer must match exactly', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'sqlite::memory:', BASE_URL: 'https://mcp.example.com/' }).baseUrl, 'https://mcp.example.com');
  });

  it('refuses a BASE_URL with a path, and plain http in production', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'sqlite::memory:', BASE_URL: 'https://example.com/gatehouse' }), ConfigError);
    assert.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, BASE_URL: 'http://mcp.example.com' }), /https in production/);
    assert.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }), /BASE_URL is required when NODE_ENV=production/);
    const prod = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, BASE_URL: 'https://mcp.example.com', DATABASE_URL: 'sqlite::memory:' });
    assert.equal(prod.host, '0.0.0.0');
  });

  it('requires a long JWT_SECRET in production', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production', BASE_URL: 'https://a.example' }), /JWT_SECRET is required/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'short', DATABASE_URL: 'sqlite::memory:' }), /at least 32/);
  });

  it('generates JWT_SECRET once into the data folder when not set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
    try {
      const env = { DATABASE_URL: `sqlite:${join(dir, 'db', 'gatehouse.db')}` };
      const first = loadConfig(env).jwtSecret;
      assert.equal(loadConfig(env).jwtSecret, first);
      const file = join(dir, 'db', 'jwt-secret');
      assert.equal(readFileSync(file, 'utf8').trim(), first);
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports every invalid setting with its name', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc', ACCESS_TOKEN_TTL: 'soon', LOG_LEVEL: 'loud', DATABASE_URL: 'sqlite::memory:' }),
      (error: Error) => /PORT/.test(error.message) && /ACCESS_TOKEN_TTL/.test(error.message) && /LOG_LEVEL/.test(error.message),
    );
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'claude.ai', DATABASE_URL: 'sqlite::memory:' }), /CORS_ORIGINS/);
  });

  it('says, for each kind of setting, what it takes and what it got, and never repeats a secret', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ DATABASE_URL: 'sqlite::memory:', ...env });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, error.problems.join('\n'));
        return error.problems;
      }
      assert.fail('loadConfig accepted it');
    };
    for (const [env, expected] of [
      [{ PORT: '0' }, 'PORT must be a whole number between 1 and 65535 (got "0")'],
      [{ PORT: '3000.5' }, 'PORT must be a whole number between 1 and 65535 (got "3000.5")'],
      [{ RATE_LIMIT_PER_IP: '-1' }, 'RATE_LIMIT_PER_IP must be a whole number of at least 1 (got "-1")'],
      [{ SESSION_TTL: '0' }, 'SESSION_TTL must be a duration longer than zero: seconds, or a number with s, m, h or d (e.g. 90s, 10m, 12h, 30d) (got "0")'],
      [{ CIMD_ALLOW_LOCAL: '1' }, 'CIMD_ALLOW_LOCAL must be true or false (got "1")'],
      [{ TOOLSET: 'all' }, 'TOOLSET must be one of demo, conformance or none (got "all")'],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' },
        'OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute URL such as https://collector.example.com:4318 (got "collector")',
      ],
      [{ DATABASE_URL: 'mysql://app:hunter22@db/app' }, 'DATABASE_URL must be sqlite:PATH, sqlite::memory: or postgres://… (got "mysql://app@db/app")'],
      [{ METRICS_TOKEN: 'hunter22' }, 'METRICS_TOKEN must be at least 16 characters'],
      [{ OIDC_NAME: 'x'.repeat(61) }, `OIDC_NAME must be at most 60 characters (got "${'x'.repeat(61)}")`],
    ] as const) {
      assert.deepEqual(problems(env), [expected]);
    }
    // Every problem at once, the settings' own and those between settings alike, in production as in development.
    assert.deepEqual(problems({ NODE_ENV: 'production', PORT: 'x', CORS_ORIGINS: 'claude.ai', AUTH_MODE: 'saml' }), [
      'PORT must be a whole number between 1 and 65535 (got "x")',
      'BASE_URL is required when NODE_ENV=production: the public https origin clients use, e.g. https://mcp.example.com',
      'CORS_ORIGINS entry "claude.ai" is not an origin such as https://claude.ai',
      'AUTH_MODE: "saml" is not one of local, oidc, github, external',
      'JWT_SECRET is required when NODE_ENV=production (try: openssl rand -base64 48)',
    ]);
  });

  it('writes no JWT_SECRET file while the settings are invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
    try {
      assert.throws(() => loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`, PORT: 'x' }), ConfigError);
      assert.throws(() => statSync(join(dir, 'jwt-secret')), { code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ PORT: '', BASE_URL: '', DATABASE_URL: 'sqlite::memory:' }).port, 3000);
  });
});
