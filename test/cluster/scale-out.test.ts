// Several instances behind a load balancer, on one PostgreSQL and one Redis: any instance serves any step, a
// revocation or a change notification reaches every instance, crashes lose nothing that was confirmed, and a
// rolling restart fails no request except with a retryable error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Browser, signInAndDecide } from '../helpers/browser.js';
import { needsServices, onceOnly } from '../helpers/database.js';
import { CLAUDE_REGISTRATION } from '../helpers/gatehouse.js';
import { callTool as callToolAt, jsonRpcResult, MODERN_ENVELOPE, pkce } from '../helpers/oauth.js';
import { freePort } from '../helpers/free-port.js';
import { createCluster, type Cluster, type Instance } from './instances.js';

interface Client {
  client_id: string;
  client_secret: string;
  registration_client_uri: string;
  registration_access_token: string;
}

const post = (url: string, body: Record<string, string>) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });

async function register(instance: Instance, name: string): Promise<Client> {
  const response = await fetch(`${instance.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...CLAUDE_REGISTRATION, client_name: name }),
  });
  assert.equal(response.status, 201);
  return (await response.json()) as Client;
}

/**
 * Authorizes on `instance` (sign-in, consent) and returns the code with its verifier. The browser must be on
 * BASE_URL's origin, as behind a real balancer, or the forms' origin check refuses it: use the instance there.
 */
async function authorize(cluster: Cluster, instance: Instance, client: Client, browser = new Browser()) {
  const { verifier, challenge } = pkce();
  const url = new URL('/authorize', instance.url);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: CLAUDE_REGISTRATION.redirect_uris[0]!,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: `${cluster.baseUrl}/mcp`,
  }))
    url.searchParams.set(key, value);
  const callback = await signInAndDecide(url, { browser });
  return { code: callback.searchParams.get('code')!, verifier };
}

const exchange = (instance: Instance, client: Client, code: string, verifier: string) =>
  post(`${instance.url}/token`, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: CLAUDE_REGISTRATION.redirect_uris[0]!,
    client_id: client.client_id,
    client_secret: client.client_secret,
  });

const refresh = (instance: Instance, client: Client, refreshToken: string) =>
  post(`${instance.url}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id, client_secret: client.client_secret });

const callTool = (instance: Instance, token: string, name = 'test_simple_text') => callToolAt(`${instance.url}/mcp`, token, name);

/** Opens a subscriptions/listen stream and collects the notification methods it receives. */
async function listen(instance: Instance, token: string) {
  const controller = new AbortController();
  const response = await fetch(`${instance.url}/mcp`, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'subscriptions/listen',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true }, _meta: MODERN_ENVELOPE },
    }),
  });
  assert.equal(response.status, 200);
  const methods: string[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    try {
      const reader = response.body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        for (const match of decoder.decode(read.value, { stream: true }).matchAll(/"method":"([^"]+)"/g)) methods.push(match[1]!);
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  return { methods, close: () => controller.abort() };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe('scale out: two instances on one PostgreSQL and one Redis', { skip: needsServices || onceOnly }, () => {
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;

  before(async () => {
    cluster = await createCluster({ TOOLSET: 'conformance' });
    // Both start at once on the empty database: the migrations' lock lets one migrate while the other waits.
    [a, b] = await Promise.all([cluster.start(), freePort().then((port) => cluster.start(port))]);
  });
  after(() => cluster?.close());

  it('serves every step on either instance; a revocation on B is refused on A within a second; events cross', async () => {
    const client = await register(a, 'Scale-out client');
    const { code, verifier } = await authorize(cluster, a, client);
    const exchanged = await exchange(b, client, code, verifier);
    assert.equal(exchanged.status, 200);
    const tokens = (await exchanged.json()) as { access_token: string; refresh_token: string };
    for (const instance of [a, b, a, b]) assert.equal((await callTool(instance, tokens.access_token)).status, 200);

    const refreshed = await refresh(a, client, tokens.refresh_token);
    assert.equal(refreshed.status, 200);
    const next = (await refreshed.json()) as { access_token: string; refresh_token: string };
    assert.equal((await callTool(b, next.access_token)).status, 200);

    const subscriber = await listen(b, next.access_token);
    await until(() => subscriber.methods.includes('notifications/subscriptions/acknowledged'), 2000);
    assert.equal((await callTool(a, next.access_token, 'test_trigger_tool_change')).status, 200);
    await until(() => subscriber.methods.includes('notifications/tools/list_changed'), 2000);
    subscriber.close();

    const revoked = await post(`${b.url}/revoke`, { token: next.refresh_token, client_id: client.client_id, client_secret: client.client_secret });
    assert.equal(revoked.status, 200);
    const elapsed = await until(async () => (await callTool(a, next.access_token)).status === 401, 1000);
    assert.ok(elapsed <= 1000, `refused on A after ${elapsed} ms`);
  });

  it('answers a refresh sent to both instances at once by the grace window: one token family, never two', async () => {
    const client = await register(a, 'Concurrent refresh client');
    const { code, verifier } = await authorize(cluster, a, client);
    const tokens = (await (await exchange(b, client, code, verifier)).json()) as { refresh_token: string };
    const [fromA, fromB] = await Promise.all([refresh(a, client, tokens.refresh_token), refresh(b, client, tokens.refresh_token)]);
    assert.deepEqual([fromA.status, fromB.status], [200, 200], 'a retried refresh inside the grace window succeeds');
    const [nextA, nextB] = (await Promise.all([fromA.json(), fromB.json()])) as { refresh_token: string }[];
    const db = new pg.Client({ connectionString: cluster.database.url });
    await db.connect();
    try {
      const grants = await db.query('select id from grants where client_id = $1', [client.client_id]);
      assert.equal(grants.rowCount, 1, 'both answers belong to the same grant');
      const live = await db.query('select count(*)::int as n from refresh_tokens where grant_id = $1 and rotated_at is null', [grants.rows[0].id]);
      assert.equal(live.rows[0].n, 2);
    } finally {
      await db.end();
    }
    assert.equal((await refresh(b, client, nextA!.refresh_token)).status, 200);
    assert.equal((await refresh(a, client, nextB!.refresh_token)).status, 200);
  });
});

describe('scale out: crashes and restarts', { skip: needsServices || onceOnly }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await createCluster({ TOOLSET: 'conformance', REGISTRATION_RATE_LIMIT: '100000', REGISTRATION_RATE_LIMIT_GLOBAL: '100000' });
  });
  after(() => cluster?.close());

  it('keeps every confirmed registration and token after a kill -9 mid-burst, and nothing half-written', async () => {
    const a = await cluster.start();
    const b = await cluster.start(await freePort());
    const client = await register(b, 'Burst client');
    const browser = new Browser();
    const codes = [];
    for (let i = 0; i < 30; i++) codes.push(await authorize(cluster, a, client, browser));

    const registered: Client[] = [];
    const issued: { access_token: string; refresh_token: string }[] = [];
    const burst = [
      ...Array.from({ length: 60 }, (_, i) =>
        fetch(`${a.url}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...CLAUDE_REGISTRATION, client_name: `burst ${i}` }),
        })
          .then(async (response) => response.status === 201 && registered.push((await response.json()) as Client))
          .catch(() => undefined),
      ),
      ...codes.map(({ code, verifier }) =>
        exchange(a, client, code, verifier)
          .then(async (response) => response.status === 200 && issued.push((await response.json()) as { access_token: string; refresh_token: string }))
          .catch(() => undefined),
      ),
    ];
    setTimeout(() => void a.kill(), 40);
    await Promise.all(burst);
    await a.kill();
    assert.ok(
      registered.length + issued.length < burst.length,
      `the crash came mid-burst (${registered.length} registrations, ${issued.length} exchanges confirmed)`,
    );
    const restarted = await cluster.start(a.port);

    for (const confirmed of registered) {
      const read = await fetch(confirmed.registration_client_uri.replace(cluster.baseUrl, restarted.url), {
        headers: { authorization: `Bearer ${confirmed.registration_access_token}` },
      });
      assert.equal(read.status, 200, 'a registration reported successful exists');
    }
    for (const tokens of issued) {
      assert.equal((await callTool(restarted, tokens.access_token)).status, 200, 'an issued access token works');
      assert.equal((await refresh(b, client, tokens.refresh_token)).status, 200, 'an issued refresh token works');
    }
    const db = new pg.Client({ connectionString: cluster.database.url });
    await db.connect();
    try {
      const orphans = await db.query(
        `select g.id from grants g where not exists (select 1 from refresh_tokens t where t.grant_id = g.id) and g.revoked_at is null`,
      );
      assert.equal(orphans.rowCount, 0, 'no grant without its refresh token');
      const unlinked = await db.query(`select 1 from grants g where not exists (select 1 from authorization_codes c where c.grant_id = g.id)`);
      assert.equal(unlinked.rowCount, 0, 'every grant is linked to the code that earned it');
      const clients = await db.query(`select metadata from clients where kind = 'dynamic'`);
      for (const row of clients.rows) assert.ok(JSON.parse(row.metadata).redirect_uris.length > 0);
    } finally {
      await db.end();
    }
    await restarted.stop();
    await b.stop();
  });

  it('fails no request, except with a retryable error, through a rolling restart under load', { timeout: 90_000 }, async () => {
    const instances = [await cluster.start(), await cluster.start(await freePort())];
    const client = await register(instances[0]!, 'Rolling client');
    const { code, verifier } = await authorize(cluster, instances[0]!, client);
    const { access_token: token } = (await (await exchange(instances[1]!, client, code, verifier)).json()) as { access_token: string };

    const outcome = { ok: 0, retryable: 0, failed: [] as string[] };
    let running = true;
    const worker = async (n: number) => {
      for (let i = n; running; i++) {
        const instance = instances[i % 2]!;
        try {
          const response = await callTool(instance, token);
          const body = await response.text();
          if (response.status === 200 && (await jsonRpcResult(new Response(body, { headers: response.headers }))).result) outcome.ok++;
          else if (response.status === 503) outcome.retryable++;
          else outcome.failed.push(`${response.status} ${body.slice(0, 200)}`);
        } catch {
          outcome.retryable++; // connection refused or reset: a load balancer retries it on the other instance
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    for (const index of [0, 1]) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const stopped = instances[index]!;
      assert.equal(await stopped.stop(), 0, 'a SIGTERM shutdown exits 0');
      instances[index] = await cluster.start(stopped.port);
    }
    await new Promise((resolve) => setTimeout(resolve, 700));
    running = false;
    await load;
    assert.deepEqual(outcome.failed, []);
    assert.ok(outcome.ok > 50, `${outcome.ok} calls succeeded`);
    for (const instance of instances) await instance.stop();
  });
});
