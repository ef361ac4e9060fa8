// `npm run bench`: Gatehouse against a bare node:http server in the same run, on 127.0.0.1.
// Prints requests/s, p50/p99 latency, server memory and each figure as a ratio to the bare server.
//   --json FILE   also write the results as JSON (to compare commits)
//   --quick       a short smoke run (a few hundred requests per scenario), as npm test does
//   --soak SECS   also run a steady tools/call load for SECS seconds and report memory growth
//   --cpu-prof DIR  write a CPU profile of the Gatehouse process there (open it in Chrome DevTools or speedscope)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Browser } from '../test/helpers/browser.js';
import { createPostgresDatabase } from '../test/helpers/database.js';
import { freePort } from '../test/helpers/free-port.js';
import { ADMIN, TEST_JWT_SECRET } from '../test/helpers/gatehouse.js';
import { mcpRequest, type McpEra } from '../test/helpers/mcp-request.js';
import { connect } from './claude.js';
import { measureInTurns, type LoadFigures, type RequestSpec } from './load.js';
import { GATEHOUSE, startServer, type ServerProcess } from './processes.js';
import { print, row, type Row } from './report.js';
import { connectionSetups, memoryFigures, soak, tokenExchanges } from './scenarios.js';

const { values: args } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false }, soak: { type: 'string' }, 'cpu-prof': { type: 'string' } },
});
const QUICK = args.quick;
const LOAD = QUICK ? { connections: 8, amount: 300, runs: 1, warmupSeconds: 0.5 } : { connections: 32, durationSeconds: 8, runs: 2, warmupSeconds: 2 };

/** The CPU time per request of the calibration reference. */
const CALIBRATION_US = 50;

/** One MCP request to /mcp (or another MCP path), as the shared helper builds it for the tests too. */
const mcp = (era: McpEra, method: string, params: Record<string, unknown>, token?: string, path = '/mcp'): RequestSpec => ({
  method: 'POST',
  path,
  ...mcpRequest({ era, method, params, ...(token !== undefined && { token }) }),
});

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
  // What a server that spends 50 µs of CPU on each request reaches here: the scale the other ratios read against.
  const busyBare = await startServer(['bench/bare-server.mjs'], { BARE_WORK_US: String(CALIBRATION_US) }, await freePort());
  // The gateway's upstreams: the SDK reference over HTTP, and the same tool over stdio, each shared by every user.
  const serversFile = join(dir, 'servers.json');
  const upstreams = {
    http: { type: 'http', url: `${sdk.url}/mcp`, isolation: 'shared' },
    stdio: { command: process.execPath, args: ['bench/stdio-server.mjs'], isolation: 'shared' },
  };
  writeFileSync(serversFile, JSON.stringify({ mcpServers: upstreams }));
  const profile = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const heapProbe = ['--expose-gc', '--require', './bench/heap-probe.cjs'];
  const gatehouse = await startServer(
    [...profile, ...heapProbe, ...GATEHOUSE],
    { ...env, BENCH_HEAP_FILE: join(dir, 'heap') },
    port,
    '/healthz',
    join(dir, 'gatehouse.log'),
  );
  // The gateway runs apart, so that its upstreams do not change what the figures above measure at /mcp.
  const gatewayPort = await freePort();
  const gatewayEnv = {
    ...env,
    BASE_URL: `http://127.0.0.1:${gatewayPort}`,
    DATABASE_URL: `sqlite:${join(dir, 'gateway.db')}`,
    SERVERS_FILE: serversFile,
    TOOLSET: 'none',
  };
  const gateway = await startServer(GATEHOUSE, gatewayEnv, gatewayPort, '/healthz', join(dir, 'gateway.log'));
  let sameRefusal: ServerProcess | undefined;
  const rows: Row[] = [];
  try {
    const browser = new Browser();
    const { accessToken } = await connect(gatehouse.url, browser);
    const whoami = { name: 'whoami', arguments: {} };
    const legacy = mcp('2025-06-18', 'tools/call', whoami, accessToken);

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
    const call = mcp('2026-07-28', 'tools/call', whoami, accessToken);
    const unauthenticated = mcp('2026-07-28', 'tools/call', whoami);
    const [bareCall, busyCall, sdkCall, sdkConnectionCall] = await measureInTurns(
      [
        { url: bare.url, spec: call, expectStatus: 200 },
        { url: busyBare.url, spec: call, expectStatus: 200 },
        { url: sdk.url, spec: unauthenticated, expectStatus: 200 },
        { url: sdkConnection.url, spec: unauthenticated, expectStatus: 200 },
      ],
      LOAD,
    );
    rows.push(row('bare node:http (reference)', bareCall!, { rssMb: bare.rssMb() }));
    rows.push(
      row(`bare node:http spending ${CALIBRATION_US} µs of CPU on each request (reference)`, busyCall!, {
        bare: bareCall!.rps,
        rssMb: busyBare.rssMb(),
        target: 'what so little work costs here',
      }),
    );
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
    await compare('tools/list, 2026-07-28', mcp('2026-07-28', 'tools/list', {}, accessToken), 200);
    const tokenless = mcp('2026-07-28', 'tools/call', whoami);
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

    // The gateway: a tools/call relayed to an upstream, as a ratio to calling that upstream directly.
    const gatewayToken = (await connect(gateway.url, new Browser())).accessToken;
    const upstreamCall = (path: string, token?: string) => mcp('2026-07-28', 'tools/call', whoami, token, path);
    const [direct, viaHttp, viaStdio] = await measureInTurns(
      [
        { url: sdk.url, spec: upstreamCall('/mcp'), expectStatus: 200 },
        { url: gateway.url, spec: upstreamCall('/mcp/http', gatewayToken), expectStatus: 200 },
        { url: gateway.url, spec: upstreamCall('/mcp/stdio', gatewayToken), expectStatus: 200 },
      ],
      LOAD,
    );
    rows.push(row('upstream called directly: the SDK reference over HTTP (reference)', direct!, { bare: bareCall!.rps, rssMb: sdk.rssMb() }));
    const added = (figures: typeof direct) => `adds ${(figures!.p50 - direct!.p50).toFixed(2)} ms at p50`;
    rows.push(
      row('gateway → HTTP upstream, tools/call (vs direct)', viaHttp!, { bare: direct!.rps, rssMb: gateway.rssMb(), target: `≥ 60 %, ${added(viaHttp)}` }),
    );
    rows.push(
      row('gateway → shared stdio upstream, tools/call (vs direct HTTP)', viaStdio!, { bare: direct!.rps, rssMb: gateway.rssMb(), target: added(viaStdio) }),
    );
    // What the relay adds to one call, without the queue 32 connections build on a saturated core: one call at a
    // time, each timed to the microsecond (bench/load.ts).
    const [directAlone, relayedAlone] = await measureInTurns(
      [
        { url: sdk.url, spec: upstreamCall('/mcp'), expectStatus: 200 },
        { url: gateway.url, spec: upstreamCall('/mcp/http', gatewayToken), expectStatus: 200 },
      ],
      { ...LOAD, connections: 1 },
    );
    rows.push(
      row('gateway → HTTP upstream, one call at a time (vs direct, one at a time)', relayedAlone!, {
        bare: directAlone!.rps,
        rssMb: gateway.rssMb(),
        target: `≤ 0.5 ms more at p50: ${addedAlone(directAlone!, relayedAlone!)}`,
      }),
    );

    rows.push(...(await forwardedCalls(gatewayEnv, upstreamCall)));

    rows.push(await tokenExchanges(gatehouse, dbFile, browser, QUICK));
    rows.push(await connectionSetups(gatehouse, QUICK));
    const memory = await memoryFigures(gatehouse, dbFile, join(dir, 'heap'), QUICK);
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
    await gateway.stop();
    await sdk.stop();
    await sdkConnection.stop();
    await busyBare.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two gateway instances on one PostgreSQL and one Redis: a call to the stdio upstream forwarded by the instance that
 * received it to the one that runs the process (its home), as a ratio to the home serving it. Both instances share
 * the servers' core, as they would share a small machine.
 */
async function forwardedCalls(gatewayEnv: Record<string, string>, upstreamCall: (path: string, token?: string) => RequestSpec): Promise<Row[]> {
  if (!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL) {
    process.stderr.write('forwarded calls: skipped (set TEST_DATABASE_URL and TEST_REDIS_URL to PostgreSQL and Redis)\n');
    return [];
  }
  const database = await createPostgresDatabase();
  const [homePort, otherPort] = [await freePort(), await freePort()];
  const shared = {
    ...gatewayEnv,
    BASE_URL: `http://127.0.0.1:${homePort}`,
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_PREFIX: `gatehouse-bench-${randomBytes(4).toString('hex')}:`,
  };
  const started: ServerProcess[] = [];
  try {
    for (const port of [homePort, otherPort])
      started.push(await startServer(GATEHOUSE, { ...shared, INTERNAL_URL: `http://127.0.0.1:${port}` }, port, '/healthz'));
    const [home, other] = started as [ServerProcess, ServerProcess];
    const spec = upstreamCall('/mcp/stdio', (await connect(home.url, new Browser())).accessToken);
    // The first call starts the shared process on the home instance, which takes its lease.
    const first = await fetch(home.url + spec.path, { method: spec.method, headers: spec.headers, body: spec.body ?? null });
    if (first.status !== 200) throw new Error(`forwarded calls: the first call answered ${first.status}`);
    // One call at a time: what forwarding adds to a call, not the queue a saturated core builds (three processes
    // share it here).
    const [local, forwarded] = await measureInTurns(
      [
        { url: home.url, spec, expectStatus: 200 },
        { url: other.url, spec, expectStatus: 200 },
      ],
      { ...LOAD, connections: 1 },
    );
    return [
      row('gateway → stdio upstream on its home instance, one call at a time (reference)', local!, { rssMb: home.rssMb() }),
      row('gateway → stdio upstream, forwarded from another instance (vs home)', forwarded!, {
        bare: local!.rps,
        rssMb: other.rssMb(),
        target: `≤ 1 ms more at p50: ${addedAlone(local!, forwarded!)}`,
      }),
    ];
  } finally {
    for (const server of started) await server.stop();
    await database.drop();
  }
}

/** What one call at a time adds over a reference, at p50 and on average (1/rate). */
function addedAlone(reference: LoadFigures, measured: LoadFigures): string {
  return `adds ${(measured.p50 - reference.p50).toFixed(2)} ms at p50, ${(1000 / measured.rps - 1000 / reference.rps).toFixed(2)} ms on average`;
}

/** Gatehouse's answer to `spec` (status, headers, body), for a bare server to replay. */
async function responseBytes(base: string, spec: RequestSpec): Promise<string> {
  const response = await fetch(base + spec.path, { method: spec.method, headers: spec.headers, body: spec.body ?? null });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name)));
  return JSON.stringify({ status: response.status, headers, body: await response.text() });
}

await main();
