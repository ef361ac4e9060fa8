// The doctor's check of a gateway's /mcp/<name> endpoints (`--server`): against a real Gatehouse with a servers file
// every named server passes and an unknown one fails with its fix, and against a stand-in that gets one thing wrong
// at a time, each mistake is the one reported.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitCodeFor, runDoctor, type Finding } from '../../src/doctor/doctor.js';
import { checkGatewayEndpoint, gatewayEndpoint } from '../../src/doctor/gateway-endpoints.js';
import { Http } from '../../src/doctor/http.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { binOf } from '../helpers/reference-servers.js';
import { doctorInProcess } from './in-process.js';

const TITLE = (name: string) => `/mcp/${name} answers 401 naming its own protected-resource metadata`;

describe('doctor --server against Gatehouse', () => {
  let dir: string;
  let gh: TestGatehouse;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-doctor-gateway-'));
    const node = process.execPath;
    const servers = {
      mcpServers: {
        everything: { command: node, args: [binOf('@modelcontextprotocol/server-everything'), 'stdio'], isolation: 'shared' },
        memory: { command: node, args: [binOf('@modelcontextprotocol/server-memory')], env: { MEMORY_FILE_PATH: `${dir}/memory-\${user.id}.jsonl` } },
      },
    };
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
    gh = await startGatehouse({ SERVERS_FILE: join(dir, 'servers.json') });
  });
  after(async () => {
    await gh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes each configured server, after the OAuth steps, and fails one that is not served, with the fix', async () => {
    const findings = await runDoctor(gh.mcpUrl, { local: true, servers: ['everything', 'memory', 'nope'] });
    const gateway = findings.filter((finding) => finding.id.startsWith('gateway.'));
    assert.deepEqual(gateway, [
      {
        id: 'gateway.everything',
        title: TITLE('everything'),
        status: 'pass',
        detail: `401 naming /.well-known/oauth-protected-resource/mcp/everything, whose resource is ${gh.baseUrl}/mcp/everything`,
      },
      {
        id: 'gateway.memory',
        title: TITLE('memory'),
        status: 'pass',
        detail: `401 naming /.well-known/oauth-protected-resource/mcp/memory, whose resource is ${gh.baseUrl}/mcp/memory`,
      },
      {
        id: 'gateway.nope',
        title: TITLE('nope'),
        status: 'fail',
        detail: '404: no server nope at /mcp/nope',
        fix: 'check the name: it is the server\'s key under "mcpServers" in SERVERS_FILE, not "disabled"',
      },
    ]);
    const ids = findings.map((finding) => finding.id);
    assert.deepEqual(ids.slice(ids.indexOf('authorize'), ids.indexOf('cors.preflight') + 1), [
      'authorize',
      'client.cleanup',
      'gateway.everything',
      'gateway.memory',
      'gateway.nope',
      'cors.preflight',
    ]);
    assert.equal(exitCodeFor(findings), 1);
    assert.equal(gh.gatehouse.gateway!.sessions.status().sessions.length, 0, 'an unauthenticated request starts no upstream');
  });

  it('finds the endpoints beside whichever MCP URL it is given, and checks nothing without --server', async () => {
    for (const url of [gh.baseUrl, `${gh.baseUrl}/mcp/streamable`]) {
      const findings = await runDoctor(url, { local: true, servers: ['memory'] });
      assert.equal(findings.find((finding) => finding.id === 'gateway.memory')?.status, 'pass', url);
    }
    const plain = await runDoctor(gh.mcpUrl, { local: true });
    assert.deepEqual(
      plain.filter((finding) => finding.id.startsWith('gateway.')),
      [],
    );
  });

  it('takes --server on the command line, repeated, and refuses a name that cannot be one (exit 2)', async () => {
    const ran = await doctorInProcess([gh.mcpUrl, '--local', '--server', 'everything', '--server', 'memory']);
    assert.match(ran.stdout, /^✔ \/mcp\/everything answers 401 naming its own protected-resource metadata — 401 naming /m);
    assert.match(ran.stdout, /^✔ \/mcp\/memory answers 401 naming its own protected-resource metadata — /m);
    assert.equal(ran.exitCode, 0, ran.stdout);

    const misused = await doctorInProcess([gh.mcpUrl, '--server', 'a/b']);
    assert.deepEqual(misused, { stdout: '', stderr: 'gatehouse doctor: not a server name (1 to 32 letters, digits, "_" or "-"): a/b\n', exitCode: 2 });
  });
});

describe('the /mcp/<name> check against a server that gets one thing wrong', () => {
  let server: Server;
  let base: string;
  const http = new Http(5000);
  const check = (name: string) => checkGatewayEndpoint(http, new URL(`${base}/mcp`), name);

  before(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const challenge = (prm: string) => ({ 'www-authenticate': `Bearer resource_metadata="${base}${prm}"` });
      const own = (name: string) => `/.well-known/oauth-protected-resource/mcp/${name}`;
      switch (path) {
        case '/mcp/good':
          return json(401, { error: 'invalid_token' }, challenge(own('good')));
        case own('good'):
          return json(200, { resource: `${base}/mcp/good`, authorization_servers: [base] });
        case '/mcp/aggregate':
          // The aggregate endpoint's metadata instead of its own.
          return json(401, { error: 'invalid_token' }, challenge('/.well-known/oauth-protected-resource/mcp'));
        case '/mcp/resource':
          return json(401, { error: 'invalid_token' }, challenge(own('resource')));
        case own('resource'):
          return json(200, { resource: `${base}/mcp`, authorization_servers: [base] });
        case '/mcp/unlisted':
          return json(401, { error: 'invalid_token' }, challenge(own('unlisted')));
        case '/mcp/open':
          return json(200, { jsonrpc: '2.0', id: 1, result: {} });
        case '/mcp/bare':
          return json(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer' });
        default:
          return json(404, { error: 'not_found' });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('places /mcp/<name> beside the URL given, under its path prefix', () => {
    const cases: [string, string][] = [
      ['https://example.com/mcp', 'https://example.com/mcp/x'],
      ['https://example.com/', 'https://example.com/mcp/x'],
      ['https://example.com/mcp/streamable', 'https://example.com/mcp/x'],
      ['https://example.com/gatehouse/mcp', 'https://example.com/gatehouse/mcp/x'],
      ['https://example.com/gatehouse/mcp/', 'https://example.com/gatehouse/mcp/x'],
    ];
    for (const [given, expected] of cases) assert.equal(gatewayEndpoint(new URL(given), 'x').href, expected, given);
  });

  it('reports each mistake as the one it is', async () => {
    const cases: [string, Pick<Finding, 'status' | 'detail'>][] = [
      ['good', { status: 'pass', detail: `401 naming /.well-known/oauth-protected-resource/mcp/good, whose resource is ${base}/mcp/good` }],
      [
        'aggregate',
        {
          status: 'fail',
          detail: `the challenge names ${base}/.well-known/oauth-protected-resource/mcp, not ${base}/.well-known/oauth-protected-resource/mcp/aggregate: Claude would ask for a token for another resource`,
        },
      ],
      ['resource', { status: 'fail', detail: `/.well-known/oauth-protected-resource/mcp/resource names the resource ${base}/mcp, not ${base}/mcp/resource` }],
      ['unlisted', { status: 'fail', detail: '/.well-known/oauth-protected-resource/mcp/unlisted answered 404' }],
      ['open', { status: 'fail', detail: 'answered initialize with 200 without a token: anyone can use open' }],
      ['bare', { status: 'fail', detail: '401 with Bearer, naming no resource_metadata' }],
    ];
    for (const [name, expected] of cases) {
      const finding = await check(name);
      assert.deepEqual({ status: finding.status, detail: finding.detail }, expected, name);
      if (finding.status === 'fail') assert.ok(finding.fix, `${name} says how to fix it`);
    }
  });
});
