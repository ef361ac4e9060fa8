// The doctor against servers that each get one thing wrong, on 127.0.0.1: it must name that thing, fail (or warn
// about) it, and say how to fix it, while the rest of Claude's path still passes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDoctor, type Finding } from '../../src/doctor/doctor.js';
import { GOOD_TOKEN, startFakeServer, type FakeOptions } from './fake-server.js';

async function doctor(options: FakeOptions, token: string | undefined = GOOD_TOKEN) {
  const server = await startFakeServer(options);
  try {
    const findings = await runDoctor(server.mcpUrl, { local: true, timeoutSeconds: 5, ...(token && { token }) });
    return { findings, server };
  } finally {
    await server.close();
  }
}

const find = (findings: Finding[], id: string) => {
  const finding = findings.find((candidate) => candidate.id === id);
  assert.ok(finding, `a finding ${id} among ${findings.map((f) => f.id).join(', ')}`);
  return finding;
};

/** The finding `id` has `status` and a fix, and every other finding passes or is skipped. */
function assertOnly(findings: Finding[], id: string, status: 'fail' | 'warn', detail: RegExp, fix: RegExp) {
  const finding = find(findings, id);
  assert.equal(finding.status, status, JSON.stringify(finding));
  assert.match(finding.detail, detail);
  assert.ok(finding.fix, `${id} gives a fix`);
  assert.match(finding.fix, fix);
  const others = findings.filter((other) => other !== finding && other.status !== 'pass' && other.status !== 'skip');
  assert.deepEqual(others, [], 'nothing else is wrong');
}

describe('doctor against deliberately broken servers', () => {
  it('passes the fake server as it is, so every test below breaks one thing only', async () => {
    const { findings, server } = await doctor({});
    assert.deepEqual(
      findings.filter((f) => f.status !== 'pass' && f.status !== 'skip'),
      [],
    );
    assert.deepEqual(
      findings.filter((f) => f.status === 'skip').map((f) => f.id),
      ['url.https', 'url.address'],
    );
    assert.match(find(findings, 'mcp.2025').detail, /with a session; tools\/list → 2 tools/);
    assert.match(find(findings, 'mcp.2026').detail, /2 tools/);
    assert.equal(find(findings, 'client.cleanup').status, 'pass');
    assert.equal(server.clients.size, 0, 'the test client was deleted');
    assert.ok(server.requests.includes('DELETE /mcp'), 'the 2025 session was ended');
  });

  it('(a) discovery behind auth: the protected-resource metadata answers 401', async () => {
    const { findings } = await doctor({ prmStatus: 401 });
    for (const id of ['prm.path', 'prm.root']) {
      const finding = find(findings, id);
      assert.equal(finding.status, 'fail');
      assert.match(finding.detail, /^401: discovery is behind auth/);
      assert.match(finding.fix!, /publicly: exempt \/\.well-known\/\* from the authentication middleware/);
    }
    // Without a PRM the doctor still reads the origin's metadata, as 2025-03-26 clients do, but compares no issuer.
    assert.equal(find(findings, 'as.issuer').status, 'skip');
  });

  it('(b) an issuer with a trailing slash the PRM does not have', async () => {
    const { findings, server } = await doctor({ issuer: (base) => `${base}/` });
    assertOnly(
      findings,
      'as.issuer',
      'fail',
      new RegExp(`^metadata says ${server.base}/ but the PRM names ${server.base}$`),
      /trailing slash.*character by character/,
    );
  });

  it('(c) no S256 among the code challenge methods', async () => {
    assertOnly(
      (await doctor({ codeChallengeMethods: ['plain'] })).findings,
      'pkce.s256',
      'fail',
      /\["plain"\], without S256/,
      /"code_challenge_methods_supported": \["S256"\]/,
    );
    assertOnly((await doctor({ codeChallengeMethods: null })).findings, 'pkce.s256', 'fail', /no code_challenge_methods_supported/, /S256/);
  });

  it('(d) a 401 that does not expose WWW-Authenticate to browsers', async () => {
    assertOnly(
      (await doctor({ exposeHeaders: null })).findings,
      'cors.expose',
      'fail',
      /Access-Control-Expose-Headers is missing/,
      /Access-Control-Expose-Headers: WWW-Authenticate/,
    );
    assertOnly((await doctor({ exposeHeaders: 'Mcp-Session-Id' })).findings, 'cors.expose', 'fail', /is mcp-session-id/, /WWW-Authenticate/);
  });

  it('a 404 at the root protected-resource URL, which breaks Claude', async () => {
    assertOnly((await doctor({ rootPrmStatus: 404 })).findings, 'prm.root', 'fail', /^404$/, /Claude looks there and gives up on a 404/);
  });

  it('a 401 without WWW-Authenticate, or without resource_metadata', async () => {
    assertOnly(
      (await doctor({ challenge: null })).findings,
      'mcp.challenge',
      'fail',
      /without a WWW-Authenticate header/,
      /WWW-Authenticate: Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    assertOnly((await doctor({ challenge: () => 'Bearer realm="mcp"' })).findings, 'mcp.challenge', 'warn', /no resource_metadata/, /add resource_metadata=/);
  });

  it('no CIMD: a warning while registration works, a failure when nothing lets Claude get a client id', async () => {
    const { findings, server } = await doctor({ cimd: false });
    assertOnly(findings, 'client.cimd', 'warn', /falls back to dynamic registration/, /client_id_metadata_document_supported/);
    assert.match(find(findings, 'authorize').detail, /200, a page for the user after redirecting to \/login/);
    assert.equal(server.clients.size, 0, 'the registered client the authorization request used was deleted afterwards');

    const none = (await doctor({ cimd: false, registration: false })).findings;
    for (const id of ['client.cimd', 'client.dcr']) {
      assert.equal(find(none, id).status, 'fail');
      assert.match(find(none, id).fix!, /Advanced settings/);
    }
    assert.equal(find(none, 'authorize').status, 'skip');
  });

  it('never deletes a client it did not create: a server may answer a repeated registration with an earlier one', async () => {
    const { findings, server } = await doctor({ repeatRegistration: true });
    const cleanup = find(findings, 'client.cleanup');
    assert.equal(cleanup.status, 'skip');
    assert.match(cleanup.detail, /left client client-0 alone: the server answered with a client issued 3\d s earlier/);
    assert.ok(server.clients.has('client-0'));
    assert.ok(!server.requests.includes('DELETE /register/client-0'));
  });

  it('an authorization endpoint that sends Claude back with an error', async () => {
    const { findings } = await doctor({ authorize: { error: 'invalid_scope', description: 'scope tools is unknown' } });
    assertOnly(findings, 'authorize', 'fail', /error=invalid_scope: scope tools is unknown/, /accept the scopes Claude asks for \("tools"\)/);
  });

  it('a server that speaks one protocol era is a warning; a refused token is a failure', async () => {
    assertOnly((await doctor({ eras: ['2025'] })).findings, 'mcp.2026', 'warn', /400: unsupported protocol version/, /2026-07-28/);
    assertOnly((await doctor({ eras: ['2026'] })).findings, 'mcp.2025', 'warn', /initialize is not supported/, /initialize era/);
    const refused = (await doctor({}, 'not-the-token')).findings;
    for (const id of ['mcp.2025', 'mcp.2026']) {
      assert.equal(find(refused, id).status, 'fail');
      assert.match(find(refused, id).detail, /401: the token was refused/);
    }
  });

  it('a server that holds Claude’s 2026 requests to the spec’s letter: each refused pattern, with what a user sees and the fix', async () => {
    const { findings } = await doctor({ strictHeaders: true });
    const refused = findings.filter((f) => f.status === 'fail').map((f) => f.id);
    assert.deepEqual(refused, [
      'claude.discover',
      'claude.version-header',
      'claude.legacy-header',
      'claude.no-session-id',
      'claude.no-version-header',
      'claude.no-method-header',
    ]);
    for (const id of refused) assert.ok(find(findings, id).fix, `${id} says how to fix it`);
    assert.match(find(findings, 'claude.version-header').detail, /Claude will show the connector as connected, but every tool call will fail/);
    assert.match(find(findings, 'claude.no-session-id').detail, /claude-ai-mcp#975/);
    assert.equal(find(findings, 'mcp.2025').status, 'pass', 'the server does speak both eras');
    assert.equal(find(findings, 'mcp.2026').status, 'pass');
  });

  it('reads answers sent as an event stream', async () => {
    const { findings } = await doctor({ eventStream: true });
    assert.equal(find(findings, 'mcp.2025').status, 'pass');
    assert.match(find(findings, 'mcp.2026').detail, /2 tools/);
  });

  it('talks to nothing but the server and what it advertises', async () => {
    const { server } = await doctor({});
    const paths = new Set(server.requests.map((request) => request.split(' ')[1]));
    assert.deepEqual([...paths].sort(), [
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/authorize',
      '/login',
      '/mcp',
      '/register',
      '/register/client-1',
    ]);
  });

  it('turns a closed port into a finding, not an exception', async () => {
    const server = await startFakeServer();
    await server.close();
    const findings = await runDoctor(server.mcpUrl, { local: true, timeoutSeconds: 2 });
    const challenge = find(findings, 'mcp.challenge');
    assert.equal(challenge.status, 'fail');
    assert.match(challenge.detail, /^cannot reach http:\/\/127\.0\.0\.1:\d+\/mcp: ECONNREFUSED$/);
    assert.match(challenge.fix!, /nothing accepts connections/);
    assert.ok(findings.slice(3).every((f) => f.status === 'skip'));
  });
});
