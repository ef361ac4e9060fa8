// The bench's scenarios beyond plain request loads: token exchanges, whole connection setups, memory with many
// users and streams, and a steady soak.
import type { ClientRequest } from 'node:http';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { KeyStore } from '../src/keys/key-store.js';
import { issueAccessToken } from '../src/oauth/access-token.js';
import { openStorage } from '../src/storage/index.js';
import { sha256 } from '../src/crypto.js';
import { Browser as BrowserSession, type Browser } from '../test/helpers/browser.js';
import { TEST_JWT_SECRET } from '../test/helpers/gatehouse.js';
import { mcpRequest, sendMcp } from '../test/helpers/mcp-request.js';
import { pkce } from '../test/helpers/oauth.js';
import { authorizationCode, CALLBACK, CLAUDE, exchange, tokenBody } from './claude.js';
import { runLoad, type LoadFigures, type RequestSpec } from './load.js';
import type { ServerProcess } from './processes.js';
import { row, type Row } from './report.js';

/**
 * Authorization code → token, then refresh → token, each as operations per second over fresh material, after a
 * warm-up of the same exchanges, as the request loads have. Consent issues the first code through the real pages;
 * the others are made like it through the repositories (a browser sign-in per code would take most of the run).
 */
export async function tokenExchanges(gatehouse: ServerProcess, dbFile: string, browser: Browser, quick: boolean): Promise<Row> {
  const count = quick ? 100 : 4000;
  const warmUp = quick ? 0 : 2000;
  const codes = await seedCodes(gatehouse.url, dbFile, browser, warmUp + count);
  /** Posts each body to /token once, 16 at a time; the refresh tokens issued go to `issued`, when given. */
  const postTokens = (bodies: string[], issued?: string[]) => {
    let next = 0;
    return runLoad(
      gatehouse.url,
      {
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }),
        ...(issued && {
          onResponse: (status: number, body: string) => {
            if (status === 200) issued.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
          },
        }),
      },
      { connections: 16, amount: bodies.length, expectStatus: 200 },
    );
  };
  const codeBodies = (batch: typeof codes) =>
    batch.map(({ code, verifier }) => tokenBody({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK }));
  const refreshBodies = (refreshTokens: string[]) => refreshTokens.map((refresh_token) => tokenBody({ grant_type: 'refresh_token', refresh_token }));
  if (warmUp > 0) {
    const warmRefreshTokens: string[] = [];
    await postTokens(codeBodies(codes.slice(0, warmUp)), warmRefreshTokens);
    await postTokens(refreshBodies(warmRefreshTokens));
  }
  const refreshTokens: string[] = [];
  const codeRun = await postTokens(codeBodies(codes.slice(warmUp)), refreshTokens);
  const refreshRun = await postTokens(refreshBodies(refreshTokens));
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

/** `count` authorization codes for Claude: the first from consent, the rest stored as consent stored it, each with its own PKCE pair. */
async function seedCodes(base: string, dbFile: string, browser: Browser, count: number): Promise<{ code: string; verifier: string }[]> {
  const first = await authorizationCode(base, browser);
  const storage = await openStorage(`sqlite:${dbFile}`);
  try {
    const template = (await storage.codes.find(sha256(first.code)))!;
    const codes = [first];
    while (codes.length < count) {
      const { verifier, challenge } = pkce();
      const code = randomBytes(32).toString('base64url');
      const now = Date.now();
      await storage.codes.create({ ...template, codeHash: sha256(code), codeChallenge: challenge, createdAt: now, expiresAt: now + 15 * 60_000 });
      codes.push({ code, verifier });
    }
    return codes;
  } finally {
    await storage.close();
  }
}

/** Whole connections per second: discovery, metadata document, authorize with a session, consent, token, first tools/list. */
export async function connectionSetups(gatehouse: ServerProcess, quick: boolean): Promise<Row> {
  const seconds = quick ? 1 : 8;
  const workers = 8;
  const browsers = await Promise.all(
    Array.from({ length: workers }, async () => {
      const browser = new BrowserSession();
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
        const list = await sendMcp(`${gatehouse.url}/mcp`, { era: '2026-07-28', method: 'tools/list', token: tokens.access_token });
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
export async function memoryFigures(gatehouse: ServerProcess, dbFile: string, heapFile: string, quick: boolean): Promise<Row[]> {
  const users = quick ? 200 : 10_000;
  const streams = quick ? 50 : 1000;
  const tokens = await mintTokens(dbFile, users, gatehouse.url);
  const listTools = (token: (i: number) => string) => {
    let next = 0;
    return runLoad(
      gatehouse.url,
      {
        method: 'POST',
        path: '/mcp',
        ...mcpRequest({ era: '2026-07-28', method: 'tools/list' }),
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
export async function heapAfterGcMb(server: ServerProcess, heapFile: string): Promise<number> {
  rmSync(heapFile, { force: true });
  server.child.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(heapFile); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return Number(readFileSync(heapFile, 'utf8')) / 1024 / 1024;
}

/** Users, grants and access tokens made straight in the database, as 10,000 sign-ins would leave them. */
export async function mintTokens(dbFile: string, count: number, issuer: string): Promise<string[]> {
  const storage = await openStorage(`sqlite:${dbFile}`);
  try {
    const keys = await KeyStore.open(storage.signingKeys, TEST_JWT_SECRET);
    const scope = ['mcp:tools', 'mcp:resources', 'mcp:prompts'];
    const resource = `${issuer}/mcp`;
    const tokens: Promise<string>[] = [];
    // Through the repositories, as sign-ins leave them: a user, the code consent gave, the grant made from it.
    for (let i = 0; i < count; i++) {
      const now = Date.now();
      const user = await storage.users.create({ username: `bench-user-${i}`, passwordHash: 'x' });
      const codeHash = sha256(randomUUID());
      await storage.codes.create({
        codeHash,
        clientId: CLAUDE,
        userId: user.id,
        redirectUri: CALLBACK,
        codeChallenge: 'x',
        scope: scope.join(' '),
        resource,
        expiresAt: now + 60_000,
        createdAt: now,
      });
      const grantId = randomUUID();
      await storage.grants.createFromCode(
        codeHash,
        { id: grantId, userId: user.id, clientId: CLAUDE, scope: scope.join(' '), resource, createdAt: now },
        undefined,
      );
      tokens.push(issueAccessToken(keys, { issuer, userId: user.id, username: user.username, clientId: CLAUDE, scope, resource, grantId }, 3600));
    }
    return await Promise.all(tokens);
  } finally {
    await storage.close();
  }
}

/** Opens `subscriptions/listen` streams (2026-07-28) and waits for each to be acknowledged. */
export async function openListenStreams(base: string, tokens: string[]): Promise<{ requests: ClientRequest[]; acknowledged: number }> {
  let acknowledged = 0;
  const url = new URL('/mcp', base);
  const requests: ClientRequest[] = [];
  await Promise.all(
    tokens.map(
      (token) =>
        new Promise<void>((resolve) => {
          const { headers, body } = mcpRequest({
            era: '2026-07-28',
            method: 'subscriptions/listen',
            params: { notifications: { toolsListChanged: true } },
            token,
          });
          const request = httpRequest(url, { method: 'POST', agent: false, headers }, (response) => {
            response.once('data', (chunk: Buffer) => {
              if (response.statusCode === 200 && chunk.toString().includes('notifications/subscriptions/acknowledged')) acknowledged++;
              resolve();
            });
            response.once('end', () => resolve());
          });
          request.on('error', () => resolve());
          request.end(body);
          requests.push(request);
        }),
    ),
  );
  return { requests, acknowledged };
}

/** A steady load for `seconds`, with memory sampled along the way: it should not grow. */
export async function soak(gatehouse: ServerProcess, spec: RequestSpec, seconds: number): Promise<Row> {
  const samples: number[] = [gatehouse.rssMb()];
  const slices = Math.max(1, Math.round(seconds / 30));
  let last: LoadFigures = { rps: 0, p50: 0, p99: 0, unexpected: 0 };
  for (let i = 0; i < slices; i++) {
    last = await runLoad(gatehouse.url, spec, { connections: 32, durationSeconds: seconds / slices, expectStatus: 200 });
    samples.push(gatehouse.rssMb());
  }
  return { ...row(`steady tools/call for ${seconds} s`, last), rssMb: samples.at(-1)!, target: `RSS ${samples.map((s) => s.toFixed(0)).join(' → ')} MB` };
}
