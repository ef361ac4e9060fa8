// The doctor against a real Gatehouse: Gatehouse is built for Claude, so every step must pass (or be skipped where
// --local allows plain http on loopback), in both protocol eras, and the doctor must leave no client behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exitCodeFor, runDoctor } from '../../src/doctor/doctor.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens, registerClient } from '../helpers/oauth.js';

describe('doctor against Gatehouse', () => {
  let gh: TestGatehouse;
  let token: string;

  before(async () => {
    gh = await startGatehouse();
    // A body of its own: Gatehouse answers the same body from the same address within a minute with the same client.
    const client = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'doctor test' });
    token = (await obtainTokens(gh, { client })).tokens.access_token;
  });
  after(() => gh.close());

  it('passes every step of Claude’s path with --local, including tools in both eras', async () => {
    const clientsBefore = (await gh.gatehouse.storage.clients.list()).length;
    const findings = await runDoctor(gh.mcpUrl, { local: true, token });
    const problems = findings.filter((finding) => finding.status === 'fail' || finding.status === 'warn');
    assert.deepEqual(problems, []);
    assert.deepEqual(findings.filter((finding) => finding.status === 'skip').map((finding) => finding.id), ['url.https', 'url.address']);
    assert.deepEqual(
      findings.map((finding) => finding.id),
      ['url.https', 'url.address', 'mcp.challenge', 'prm.path', 'prm.root', 'as.metadata', 'as.issuer', 'as.endpoints', 'pkce.s256',
        'client.cimd', 'client.dcr', 'authorize', 'client.cleanup', 'cors.preflight', 'cors.expose', 'mcp.2025', 'mcp.2026'],
    );
    for (const id of ['mcp.2025', 'mcp.2026']) assert.match(findings.find((finding) => finding.id === id)!.detail, /tools\/list → [1-9]\d* tools?/);
    assert.equal(exitCodeFor(findings), 0);
    assert.equal((await gh.gatehouse.storage.clients.list()).length, clientsBefore, 'the registered test client is gone');
  });

  it('fails plain http on loopback without --local, with fixes, and skips the eras without a token', async () => {
    const findings = await runDoctor(gh.mcpUrl);
    const failed = findings.filter((finding) => finding.status === 'fail');
    assert.deepEqual(failed.map((finding) => finding.id), ['url.https', 'url.address', 'as.endpoints']);
    assert.ok(failed.every((finding) => finding.fix));
    assert.match(findings.find((finding) => finding.id === 'mcp.2025')!.detail, /pass --token/);
    assert.equal(exitCodeFor(findings), 1);
  });
});
