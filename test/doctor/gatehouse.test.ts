// The doctor against a real Gatehouse: Gatehouse is built for Claude, so every step must pass (or be skipped where
// --local allows plain http on loopback), in both protocol eras, and the doctor must leave no client behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exitCodeFor, runDoctor } from '../../src/doctor/doctor.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens, registerClient } from '../helpers/oauth.js';

const CLAUDE_PATTERNS = [
  'claude.discover',
  'claude.version-header',
  'claude.legacy-header',
  'claude.no-session-id',
  'claude.no-version-header',
  'claude.no-method-header',
];
/** The patterns whose headers the spec's letter refuses (Gatehouse never asks for a session). */
const HEADER_PATTERNS = CLAUDE_PATTERNS.filter((id) => id !== 'claude.no-session-id');

describe('doctor against Gatehouse', () => {
  let gh: TestGatehouse;
  let token: string;

  before(async () => {
    gh = await startGatehouse();
    // A body of its own: Gatehouse answers the same body from the same address within a minute with the same client.
    const client = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'doctor test' });
    // For the whole server, so that it works at the origin and at /mcp.
    token = (await obtainTokens(gh, { client, resource: gh.baseUrl })).tokens.access_token;
  });
  after(() => gh.close());

  it('passes every step of Claude’s path with --local, including tools in both eras and Claude’s 2026 requests', async () => {
    const clientsBefore = (await gh.gatehouse.storage.clients.list()).length;
    const findings = await runDoctor(gh.mcpUrl, { local: true, token });
    const problems = findings.filter((finding) => finding.status === 'fail' || finding.status === 'warn');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      findings.filter((finding) => finding.status === 'skip').map((finding) => finding.id),
      ['url.https', 'url.address'],
    );
    assert.deepEqual(
      findings.map((finding) => finding.id),
      [
        'url.https',
        'url.address',
        'mcp.challenge',
        'prm.path',
        'prm.root',
        'as.metadata',
        'as.issuer',
        'as.endpoints',
        'pkce.s256',
        'client.cimd',
        'client.dcr',
        'authorize',
        'client.cleanup',
        'cors.preflight',
        'cors.expose',
        'mcp.2025',
        'mcp.2026',
        ...CLAUDE_PATTERNS,
      ],
    );
    for (const id of ['mcp.2025', 'mcp.2026']) assert.match(findings.find((finding) => finding.id === id)!.detail, /tools\/list → [1-9]\d* tools?/);
    assert.equal(exitCodeFor(findings), 0);
    assert.equal((await gh.gatehouse.storage.clients.list()).length, clientsBefore, 'the registered test client is gone');
  });

  it('passes every step at the bare origin too', async () => {
    const findings = await runDoctor(gh.baseUrl, { local: true, token });
    assert.deepEqual(
      findings.filter((finding) => finding.status === 'fail' || finding.status === 'warn'),
      [],
    );
    assert.ok(findings.some((finding) => finding.id === 'prm.root' && finding.status === 'pass' && finding.detail.includes(`resource ${gh.baseUrl}`)));
    assert.equal(findings.filter((finding) => CLAUDE_PATTERNS.includes(finding.id) && finding.status === 'pass').length, CLAUDE_PATTERNS.length);
  });

  it('fails plain http on loopback without --local, with fixes, and skips the eras without a token', async () => {
    const findings = await runDoctor(gh.mcpUrl);
    const failed = findings.filter((finding) => finding.status === 'fail');
    assert.deepEqual(
      failed.map((finding) => finding.id),
      ['url.https', 'url.address', 'as.endpoints'],
    );
    assert.ok(failed.every((finding) => finding.fix));
    assert.match(findings.find((finding) => finding.id === 'mcp.2025')!.detail, /pass --token/);
    for (const id of CLAUDE_PATTERNS) assert.equal(findings.find((finding) => finding.id === id)?.status, 'skip', id);
    assert.equal(exitCodeFor(findings), 1);
  });
});

describe('doctor against a server that refuses Claude’s 2026 requests (Gatehouse with MCP_STRICT_HEADERS=true)', () => {
  let gh: TestGatehouse;
  let token: string;
  before(async () => {
    gh = await startGatehouse({ MCP_STRICT_HEADERS: 'true' });
    token = (await obtainTokens(gh)).tokens.access_token;
  });
  after(() => gh.close());

  it('reports each refused pattern with what a Claude user sees and the fix, while both eras pass', async () => {
    const findings = await runDoctor(gh.mcpUrl, { local: true, token });
    const byId = new Map(findings.map((finding) => [finding.id, finding]));
    assert.equal(byId.get('mcp.2025')!.status, 'pass');
    assert.equal(byId.get('mcp.2026')!.status, 'pass');
    assert.equal(byId.get('claude.no-session-id')!.status, 'pass');
    for (const id of HEADER_PATTERNS) {
      const finding = byId.get(id)!;
      assert.equal(finding.status, 'fail', id);
      assert.ok(finding.fix, `${id} says how to fix it`);
    }
    assert.match(byId.get('claude.version-header')!.detail, /connected, but every tool call will fail.*claude-code#93290/);
    assert.match(byId.get('claude.legacy-header')!.detail, /SparkyFitness#2155/);
    assert.equal(exitCodeFor(findings), 1);
  });
});
