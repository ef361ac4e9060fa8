// The conformance suite's authorization-server scenarios against Gatehouse's own authorization server. The suite
// prints an authorization URL and waits on a loopback callback; the test plays the person in the browser.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signInAndDecide } from '../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { registerClient } from '../helpers/oauth.js';
import { freePort } from '../helpers/free-port.js';
import { waitForLine } from './process.js';
import { CONFORMANCE, ensureInteropInstalled, spawnNode22 } from './tools.js';

describe('MCP conformance suite: authorization server scenarios', () => {
  let gh: TestGatehouse;
  before(async () => {
    ensureInteropInstalled();
    gh = await startGatehouse();
  });
  after(() => gh?.close());

  // The suite authenticates with "none" whenever the server advertises it, even when handed a secret, so it runs
  // with a public client; confidential clients are covered by test/oauth/token.test.ts.
  it('passes with a public client (PKCE, no secret)', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const client = await registerClient(gh, {
      redirect_uris: [`http://127.0.0.1:${port}/callback`],
      token_endpoint_auth_method: 'none',
      client_name: 'Conformance suite',
    });
    const child = spawnNode22([
      CONFORMANCE,
      'authorization',
      '--url',
      gh.baseUrl,
      '--client-id',
      client.client_id,
      '--resource',
      gh.mcpUrl,
      '--port',
      String(port),
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    const line = await waitForLine(child.stdout!, /^(http\S+\/authorize\?\S+)$/m, 60_000);
    const callback = await signInAndDecide(line[1]!);
    assert.equal(callback.origin, `http://127.0.0.1:${port}`);
    await fetch(callback); // the suite's own loopback listener receives the code, as from a browser

    const code = await exited;
    clearTimeout(killer);
    const summary = stdout.slice(stdout.lastIndexOf('=== SUMMARY'));
    assert.equal(code, 0, `${stdout.slice(-3000)}\n${stderr.slice(-1000)}`);
    assert.match(summary, /authorization-code-grant: [1-9]\d* passed, 0 failed/);
    assert.match(summary, /authorization-server-metadata-endpoint: [1-9]\d* passed, 0 failed/);
  });
});
