// The official MCP conformance suite (@modelcontextprotocol/conformance) against Gatehouse: every server scenario
// of both protocol revisions, through a real OAuth flow, and the authorization-server scenarios.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens } from '../helpers/oauth.js';
import { startBearerProxy } from './bearer-proxy.js';
import { CONFORMANCE, ensureInteropInstalled, INTEROP_DIR, runNode22 } from './tools.js';

const REVISIONS = ['2025-11-25', '2026-07-28'] as const;

describe('MCP conformance suite: server scenarios', () => {
  let gh: TestGatehouse;
  let proxy: Awaited<ReturnType<typeof startBearerProxy>>;

  before(async () => {
    ensureInteropInstalled();
    gh = await startGatehouse({ TOOLSET: 'conformance' });
    const { tokens } = await obtainTokens(gh);
    proxy = await startBearerProxy(gh.mcpUrl, tokens.access_token);
  });
  after(async () => {
    await proxy?.close();
    await gh?.close();
  });

  for (const revision of REVISIONS) {
    // --spec-version runs the suite's active scenarios for the revision; --requirements runs exactly the set the
    // revision requires (frozen at its release), which adds the scenarios still marked pending.
    for (const selection of [
      ['--spec-version', revision],
      ['--requirements', revision],
    ]) {
      it(`passes ${selection.join(' ')}`, { timeout: 600_000 }, async () => {
        const run = await runNode22(
          [CONFORMANCE, 'server', '--url', proxy.url, ...selection, '--expected-failures', `${INTEROP_DIR}expected-failures.${revision}.yaml`],
          { timeoutMs: 540_000 },
        );
        const summary = run.stdout.slice(run.stdout.lastIndexOf('=== SUMMARY ==='));
        assert.equal(run.code, 0, `${summary}\n${run.stderr.slice(-2000)}`);
        assert.match(summary, /Total: \d+ passed/);
      });
    }
  }
});
