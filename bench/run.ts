// `npm run bench`: Gatehouse against a bare node:http server in the same run, on 127.0.0.1.
// Prints requests/s, p50/p99 latency, server memory and each figure as a ratio to the bare server.
//   --json FILE   also write the results as JSON (to compare commits)
//   --quick       a short smoke run (a few hundred requests per scenario), as npm test does
//   --soak SECS   also run a steady tools/call load for SECS seconds and report memory growth
//   --cpu-prof DIR  write a CPU profile of the Gatehouse process there (open it in Chrome DevTools or speedscope)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KeyStore } from '../src/keys/key-store.js';
import { issueAccessToken } from '../src/oauth/access-token.js';
import { openStorage } from '../src/storage/index.js';
import { Browser, hiddenFields } from '../test/helpers/browser.js';
import { ADMIN, TEST_JWT_SECRET } from '../test/helpers/gatehouse.js';
import { pkce } from '../test/helpers/oauth.js';
import { measureInTurns, runLoad, type LoadFigures, type RequestSpec } from './load.js';
import { freePort } from '../test/helpers/free-port.js';
import { startServer, type ServerProcess } from './processes.js';

const { values: args } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false }, soak: { type: 'string' }, 'cpu-prof': { type: 'string' } },
});
const QUICK = args.quick;
const LOAD = QUICK ? { connections: 8, amount: 300, runs: 1, warmupSeconds: 0.5 } : { connections: 32, durationSeconds: 8, runs: 2, warmupSeconds: 2 };
const CLAUDE = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
const CALLBACK = 'https://claude.ai/api/mcp/auth_callback';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  bare?: number;
  rssMb?: number;
  target?: string;
  unexpected?: number;
}

async function main() {
  process.stderr.write('building…\n');
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const dbFile = join(dir, 'bench.db');
  const port = await freePort();
  const env = {
    NODE_ENV: 'development',
    BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `sqlite:${dbFile}`,
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'info',
    AUTH_CODE_TTL: '15m',
    // The bench is one address hammering the server: lift the abuse limits it would otherwise meet.
    RATE_LIMIT_PER_IP: '1000000000',
    RATE_LIMIT_PER_CLIENT: '1000000000',
  };
  const bare = await startServer(['bench/bare-server.mjs'], {}, await freePort());
  const sdk = await startServer(['bench/sdk-server.mjs'], {}, await freePort());
  const sdkConnection = await startServer(['bench/sdk-connection-server.mjs'], {}, await freePort());
  const profile = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const heapProbe = ['--expose-gc', '--require', './bench/heap-probe.cjs'];
  const gatehouse = await startServer(
    [...profile, ...heapProbe, 'dist/src/server.js'],
    { ...env, BENCH_HEAP_FILE: join(dir, 'heap') },
    port,
    '/healthz',
    join(dir, 'gatehouse.log'),
  );
  let sameRefusal: ServerProcess | undefined;
  const rows: Row[] = [];
  try {
    const browser = new Browser();
    const { accessToken } = await connect(gatehouse.url, browser);
    const mcp = (method: string, params: Record<string, unknown>, token?: string, name?: string): RequestSpec => ({
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': method,
        ...(name && { 'mcp-name': name }),
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: ENVELOPE } }),
    });
    const legacy: RequestSpec = {
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        authorization: `Bearer ${accessToken}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    };

    const compare = async (scenario: string, spec: RequestSpec, expectStatus: number, target?: string) => {
      const [reference, figures] = await measureInTurns(
        [
          { url: bare.url, spec, expectStatus: 200 },
          { url: gatehouse.url, spec, expectStatus },
        ],
        LOAD,
      );
      rows.push(row(scenario, figures!, { bare: reference!.rps, rssMb: gatehouse.rssMb(), target }));
    };
    const call = mcp('tools/call', { name: 'whoami', arguments: {} }, accessToken, 'whoami');
    const unauthenticated = mcp('tools/call', { name: 'whoami', arguments: {} }, undefined, 'whoami');
    const [bareCall, sdkCall, sdkConnectionCall] = await measureInTurns(
      [
        { url: bare.url, spec: call, expectStatus: 200 },
        { url: sdk.url, spec: unauthenticated, expectStatus: 200 },
        { url: sdkConnection.url, spec: unauthenticated, expectStatus: 200 },
      ],
      LOAD,
    );
    rows.push(row('bare node:http (reference)', bareCall!, { rssMb: bare.rssMb() }));
    rows.push(
      row('official SDK alone, its per-request handler (reference)', sdkCall!, {
        bare: bareCall!.rps,
        rssMb: sdk.rssMb(),
        target: 'as the SDK serves by itself',
      }),
    );
    rows.push(
      row('official SDK alone, one connection on node:http (reference)', sdkConnectionCall!, {
        bare: bareCall!.rps,
        rssMb: sdkConnection.rssMb(),
        target: 'the ceiling for tools/call',
      }),
    );
    await compare('tools/call, 2026-07-28', call, 200, '≥ 25 %, p99 < 20 ms');
    await compare('tools/call, 2025 (initialize era)', legacy, 200, '≥ 25 %');
    await compare('tools/list, 2026-07-28', mcp('tools/list', {}, accessToken), 200);
    const tokenless = mcp('tools/call', { name: 'whoami', arguments: {} });
    sameRefusal = await startServer(['bench/bare-server.mjs'], { BARE_RESPONSE: await responseBytes(gatehouse.url, tokenless) }, await freePort());
    const [bareFor401, refused, sameBytes] = await measureInTurns(
      [
        { url: bare.url, spec: tokenless, expectStatus: 200 },
        { url: gatehouse.url, spec: tokenless, expectStatus: 401 },
        { url: sameRefusal.url, spec: tokenless, expectStatus: 401 },
      ],
      LOAD,
    );
    rows.push(row('no token → 401', refused!, { bare: bareFor401!.rps, rssMb: gatehouse.rssMb(), target: '≥ 60 %' }));
    rows.push(
      row('bare node:http sending that same 401 (reference)', sameBytes!, {
        bare: bareFor401!.rps,
        rssMb: sameRefusal.rssMb(),
        target: 'the ceiling for that answer',
      }),
    );

    rows.push(await tokenExchanges(gatehouse, browser));
    rows.push(await connectionSetups(gatehouse));
    const memory = await memoryFigures(gatehouse, dbFile, join(dir, 'heap'));
    rows.push(...memory);
    if (args.soak) rows.push(await soak(gatehouse, call, Number(args.soak)));

    print(rows);
    if (args.json) {
      writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, quick: QUICK, rows }, null, 2));
      process.stderr.write(`results written to ${args.json}\n`);
    }
    const broken = rows.filter((r) => (r.unexpected ?? 0) > 0);
    if (broken.length > 0) throw new Error(`unexpected answers in: ${broken.map((r) => `${r.scenario} (${r.unexpected})`).join(', ')}`);
  } finally {
    await sameRefusal?.stop();
    await gatehouse.stop();
    await sdk.stop();
    await sdkConnection.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Gatehouse's answer to `spec` (status, headers, body), for a bare server to replay. */
async function responseBytes(base: string, spec: RequestSpec): Promise<string> {
  const response = await fetch(base + spec.path, { method: spec.method, headers: spec.headers, body: spec.body ?? null });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name)));
  return JSON.stringify({ status: response.status, headers, body: await response.text() });
}

function row(scenario: string, figures: LoadFigures, extra: Partial<Row> = {}): Row {
  return { scenario, rps: figures.rps, p50: figures.p50, p99: figures.p99, unexpected: figures.unexpected, ...extra };
}

/** Signs in once and connects Claude by its metadata document; the browser keeps the session for later runs. */
async function connect(base: string, browser: Browser): Promise<{ accessToken: string; refreshToken: string }> {
  const code = await authorizationCode(base, browser);
  const tokens = await exchange(base, code.code, code.verifier);
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

async function authorizationCode(base: string, browser: Browser): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const url = new URL('/authorize', base);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: CLAUDE,
    redirect_uri: CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's',
  })) {
    url.searchParams.set(key, value);
  }
  let step = await browser.go(url);
  if (step.url.pathname === '/login') {
    step = await browser.submit(new URL('/login', base), { ...hiddenFields(step.html!), username: ADMIN.username, password: ADMIN.password });
  }
  const answered = await browser.submit(new URL('/consent', base), { ...hiddenFields(step.html!), decision: 'approve' });
  return { code: answered.leftTo!.searchParams.get('code')!, verifier };
}

const tokenBody = (params: Record<string, string>) => new URLSearchParams({ client_id: CLAUDE, ...params }).toString();

async function exchange(base: string, code: string, verifier: string) {
  const response = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenBody({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK }),
  });
  return (await response.json()) as { access_token: string; refresh_token: string };
}

/** Authorization code → token, then refresh → token, each as operations per second over fresh material. */
async function tokenExchanges(gatehouse: ServerProcess, browser: Browser): Promise<Row> {
  const count = QUICK ? 100 : 2000;
  process.stderr.write(`minting ${count} authorization codes…\n`);
  const codes: { code: string; verifier: string }[] = [];
  for (let i = 0; i < count; i++) codes.push(await authorizationCode(gatehouse.url, browser));
  const refreshTokens: string[] = [];
  let next = 0;
  const codeRun = await runLoad(
    gatehouse.url,
    {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      setupRequest: (request) => {
        const { code, verifier } = codes[next++ % codes.length]!;
        return { ...request, body: tokenBody({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK }) };
      },
      onResponse: (status, body) => {
        if (status === 200) refreshTokens.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
      },
    },
    { connections: 16, amount: count, expectStatus: 200 },
  );
  next = 0;
  const refreshRun = await runLoad(
    gatehouse.url,
    {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      setupRequest: (request) => ({
        ...request,
        body: tokenBody({ grant_type: 'refresh_token', refresh_token: refreshTokens[next++ % refreshTokens.length]! }),
      }),
    },
    { connections: 16, amount: refreshTokens.length, expectStatus: 200 },
  );
  const rps = (codeRun.rps + refreshRun.rps) / 2;
  return {
    scenario: `token exchanges: code ${codeRun.rps.toFixed(0)}/s, refresh ${refreshRun.rps.toFixed(0)}/s`,
    rps,
    p50: (codeRun.p50 + refreshRun.p50) / 2,
    p99: Math.max(codeRun.p99, refreshRun.p99),
    rssMb: gatehouse.rssMb(),
    target: '≥ 1,500/s',
    unexpected: codeRun.unexpected + refreshRun.unexpected,
  };
}

/** Whole connections per second: discovery, metadata document, authorize with a session, consent, token, first tools/list. */
async function connectionSetups(gatehouse: ServerProcess): Promise<Row> {
  const seconds = QUICK ? 1 : 8;
  const workers = 8;
  const browsers = await Promise.all(
    Array.from({ length: workers }, async () => {
      const browser = new Browser();
      await authorizationCode(gatehouse.url, browser); // signs in once: later setups reuse the session
      return browser;
    }),
  );
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    browsers.map(async (browser) => {
      while (Date.now() < deadline) {
        const started = performance.now();
        await fetch(`${gatehouse.url}/.well-known/oauth-protected-resource/mcp`).then((r) => r.arrayBuffer());
        await fetch(`${gatehouse.url}/.well-known/oauth-authorization-server`).then((r) => r.arrayBuffer());
        const { code, verifier } = await authorizationCode(gatehouse.url, browser);
        const tokens = await exchange(gatehouse.url, code, verifier);
        const list = await fetch(`${gatehouse.url}/mcp`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/list',
            authorization: `Bearer ${tokens.access_token}`,
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: ENVELOPE } }),
        });
        if (list.status !== 200) throw new Error(`setup ended with ${list.status}`);
        await list.arrayBuffer();
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    scenario: `connection setups (${workers} at a time)`,
    rps: latencies.length / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    rssMb: gatehouse.rssMb(),
  };
}

/**
 * Server memory with many distinct tokens in use, and with many open subscription streams. The same load with one
 * token runs first, so that the RSS growth that follows comes from the distinct tokens; it still counts the garbage
 * their verification leaves in V8's old generation until a full collection, which is why the heap kept after one
 * (bench/heap-probe.cjs) is reported too: that is what the tokens really cost (the verified-token cache).
 */
async function memoryFigures(gatehouse: ServerProcess, dbFile: string, heapFile: string): Promise<Row[]> {
  const users = QUICK ? 200 : 10_000;
  const streams = QUICK ? 50 : 1000;
  const tokens = await mintTokens(dbFile, users, gatehouse.url);
  const listTools = (token: (i: number) => string) => {
    let next = 0;
    return runLoad(
      gatehouse.url,
      {
        method: 'POST',
        path: '/mcp',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/list',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: ENVELOPE } }),
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${token(next++)}` } }),
      },
      { connections: 32, amount: tokens.length, expectStatus: 200 },
    );
  };
  await listTools(() => tokens[0]!);
  const before = { rss: gatehouse.rssMb(), heap: await heapAfterGcMb(gatehouse, heapFile) };
  const used = await listTools((i) => tokens[i % tokens.length]!);
  const afterTokens = gatehouse.rssMb();
  const heapGrowth = (await heapAfterGcMb(gatehouse, heapFile)) - before.heap;
  const { requests: open, acknowledged } = await openListenStreams(gatehouse.url, tokens.slice(0, streams));
  const afterStreams = gatehouse.rssMb();
  for (const request of open) request.destroy();
  if (acknowledged !== streams) throw new Error(`only ${acknowledged} of ${streams} subscription streams opened`);
  return [
    {
      ...row(`${users.toLocaleString('en')} users' tokens, each used once`, used),
      rssMb: afterTokens,
      target: `growth ${(afterTokens - before.rss).toFixed(1)} MB (< 50 MB); heap kept ${heapGrowth.toFixed(1)} MB`,
    },
    {
      scenario: `${streams.toLocaleString('en')} open subscription streams`,
      rps: 0,
      p50: 0,
      p99: 0,
      rssMb: afterStreams,
      target: `growth ${(afterStreams - afterTokens).toFixed(1)} MB`,
    },
  ];
}

/** The server's heap in use after a full collection (bench/heap-probe.cjs), in MB. */
async function heapAfterGcMb(server: ServerProcess, heapFile: string): Promise<number> {
  rmSync(heapFile, { force: true });
  server.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(heapFile); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return Number(readFileSync(heapFile, 'utf8')) / 1024 / 1024;
}

/** Users, grants and access tokens made straight in the database, as 10,000 sign-ins would leave them. */
async function mintTokens(dbFile: string, count: number, issuer: string): Promise<string[]> {
  const storage = await openStorage(`sqlite:${dbFile}`);
  try {
    const keys = await KeyStore.open(storage.signingKeys, TEST_JWT_SECRET);
    const now = Date.now();
    const rows = Array.from({ length: count }, (_, i) => ({ userId: `bench-user-${i}`, grantId: `bench-grant-${i}` }));
    await storage.db.transaction().execute(async (trx) => {
      for (const { userId, grantId } of rows) {
        await trx.insertInto('users').values({ id: userId, username: userId, password_hash: 'x', created_at: now, disabled_at: null }).execute();
        await trx
          .insertInto('grants')
          .values({
            id: grantId,
            user_id: userId,
            client_id: CLAUDE,
            scope: 'mcp:tools mcp:resources mcp:prompts',
            resource: `${issuer}/mcp`,
            created_at: now,
            revoked_at: null,
            last_used_at: now,
          })
          .execute();
      }
    });
    return Promise.all(
      rows.map(({ userId, grantId }) =>
        issueAccessToken(
          keys,
          { issuer, userId, username: userId, clientId: CLAUDE, scope: ['mcp:tools', 'mcp:resources', 'mcp:prompts'], resource: `${issuer}/mcp`, grantId },
          3600,
        ),
      ),
    );
  } finally {
    await storage.close();
  }
}

/** Opens `subscriptions/listen` streams (2026-07-28) and waits for each to be acknowledged. */
async function openListenStreams(base: string, tokens: string[]): Promise<{ requests: ClientRequest[]; acknowledged: number }> {
  let acknowledged = 0;
  const url = new URL('/mcp', base);
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'subscriptions/listen',
    params: { notifications: { toolsListChanged: true }, _meta: ENVELOPE },
  });
  const requests: ClientRequest[] = [];
  await Promise.all(
    tokens.map(
      (token) =>
        new Promise<void>((resolve) => {
          const request = httpRequest(
            url,
            {
              method: 'POST',
              agent: false,
              headers: {
                'content-type': 'application/json',
                accept: 'application/json, text/event-stream',
                'mcp-protocol-version': '2026-07-28',
                'mcp-method': 'subscriptions/listen',
                authorization: `Bearer ${token}`,
              },
            },
            (response) => {
              response.once('data', (chunk: Buffer) => {
                if (response.statusCode === 200 && chunk.toString().includes('notifications/subscriptions/acknowledged')) acknowledged++;
                resolve();
              });
              response.once('end', () => resolve());
            },
          );
          request.on('error', () => resolve());
          request.end(body);
          requests.push(request);
        }),
    ),
  );
  return { requests, acknowledged };
}

/** A steady load for `seconds`, with memory sampled along the way: it should not grow. */
async function soak(gatehouse: ServerProcess, spec: RequestSpec, seconds: number): Promise<Row> {
  const samples: number[] = [gatehouse.rssMb()];
  const slices = Math.max(1, Math.round(seconds / 30));
  let last: LoadFigures = { rps: 0, p50: 0, p99: 0, unexpected: 0 };
  for (let i = 0; i < slices; i++) {
    last = await runLoad(gatehouse.url, spec, { connections: 32, durationSeconds: seconds / slices, expectStatus: 200 });
    samples.push(gatehouse.rssMb());
  }
  return { ...row(`steady tools/call for ${seconds} s`, last), rssMb: samples.at(-1)!, target: `RSS ${samples.map((s) => s.toFixed(0)).join(' → ')} MB` };
}

function print(rows: Row[]) {
  const lines = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'RSS MB', 'target / note']];
  for (const r of rows) {
    lines.push([
      r.scenario,
      r.rps ? r.rps.toFixed(0) : '',
      r.rps ? r.p50.toFixed(1) : '',
      r.rps ? r.p99.toFixed(1) : '',
      r.bare ? `${((100 * r.rps) / r.bare).toFixed(1)} %` : '',
      r.rssMb?.toFixed(1) ?? '',
      r.target ?? '',
    ]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const format = (line: string[]) => `| ${line.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write([format(lines[0]!), format(widths.map((w) => '-'.repeat(w))), ...lines.slice(1).map(format)].join('\n') + '\n');
  process.stdout.write(`\n${cpus().length} CPUs, Node ${process.version}; load from this process with autocannon on 127.0.0.1.\n`);
}

await main();
