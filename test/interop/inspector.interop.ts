// The MCP Inspector's command line (@modelcontextprotocol/inspector 2.x, --cli): with a bearer header, and through
// its own OAuth flow (discovery, registration, PKCE, loopback callback), in both protocol eras; at /mcp and at an
// upstream's endpoint behind the gateway.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signInAndDecide } from '../helpers/browser.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens } from '../helpers/oauth.js';
import { ensureInteropInstalled, INSPECTOR, runNode22, spawnNode22 } from './tools.js';
import { freePort } from '../helpers/free-port.js';
import { EVERYTHING_PATH, startGatehouseWithEverything } from './gateway.js';
import { collectOutput, waitForLine } from './process.js';

type Era = 'legacy' | 'modern';

describe('MCP Inspector CLI', () => {
  let gh: TestGatehouse;
  let home: string;
  // Its own home: the Inspector keeps a catalog and OAuth state there. Secrets stay in memory.
  const env = () => ({ HOME: home, MCP_INSPECTOR_SECRET_STORE: 'memory' });

  before(async () => {
    ensureInteropInstalled();
    gh = await startGatehouseWithEverything();
    home = mkdtempSync(join(tmpdir(), 'gatehouse-inspector-'));
  });
  after(async () => {
    await gh?.close();
    rmSync(home, { recursive: true, force: true });
  });

  /**
   * The CLI's arguments for one method at `path`. It picks the transport from the URL's last segment (/mcp, /sse)
   * and refuses any other URL, so an upstream's /mcp/<name> needs --transport http.
   */
  const cliArgs = (path: string, era: Era, method: string[]) => [
    INSPECTOR,
    '--cli',
    gh.baseUrl + path,
    ...(path === '/mcp' ? [] : ['--transport', 'http']),
    '--method',
    ...method,
    '--format',
    'json',
    '--protocol-era',
    era,
  ];

  /** Runs one method with a token obtained beforehand, passed as a header; returns the JSON-RPC result. */
  async function withBearer(path: string, token: string, era: Era, method: string[]) {
    const run = await runNode22([...cliArgs(path, era, method), '--header', `Authorization: Bearer ${token}`], { timeoutMs: 90_000, env: env() });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout).result;
  }

  /** Runs one method, letting the CLI sign in by itself (the test plays the browser); returns the JSON-RPC result. */
  async function withOwnSignIn(path: string, era: Era, method: string[]) {
    const port = await freePort();
    const child = spawnNode22(
      [...cliArgs(path, era, method), '--callback-url', `http://127.0.0.1:${port}/oauth/callback`],
      // With no terminal, the Inspector runs interactive OAuth only when allowed to "open" the URL; it then prints it.
      { ...env(), MCP_AUTO_OPEN_ENABLED: 'true', BROWSER: 'true' },
    );
    const { exited, output } = collectOutput(child, 100_000);
    const line = await waitForLine(child.stderr!, /Please navigate to: (\S+)/, 60_000);
    assert.equal(new URL(line[1]!).searchParams.get('resource'), gh.baseUrl + path);
    const callback = await signInAndDecide(line[1]!);
    assert.equal(callback.origin, `http://127.0.0.1:${port}`);
    await fetch(callback); // delivered to the Inspector's own loopback listener, as a browser would
    const code = await exited;
    assert.equal(code, 0, output().stderr);
    return JSON.parse(output().stdout).result;
  }

  const names = (result: { tools: { name: string }[] }) => result.tools.map((tool) => tool.name);

  for (const era of ['legacy', 'modern'] as const) {
    it(`calls a tool with a bearer header (${era} era)`, { timeout: 120_000 }, async () => {
      const { tokens } = await obtainTokens(gh);
      const result = await withBearer('/mcp', tokens.access_token, era, ['tools/call', '--tool-name', 'whoami']);
      assert.equal(result.structuredContent.username, 'admin');
    });

    it(`signs in through its own OAuth flow and lists tools, upstream ones included (${era} era)`, { timeout: 120_000 }, async () => {
      const listed = names(await withOwnSignIn('/mcp', era, ['tools/list']));
      for (const name of ['whoami', 'everything__echo']) assert.ok(listed.includes(name), listed.join(', '));
    });

    it(`lists and calls echo at ${EVERYTHING_PATH} with a bearer header for it (${era} era)`, { timeout: 120_000 }, async () => {
      const { tokens } = await obtainTokens(gh, { resource: gh.baseUrl + EVERYTHING_PATH });
      const listed = names(await withBearer(EVERYTHING_PATH, tokens.access_token, era, ['tools/list']));
      assert.ok(listed.includes('echo'), listed.join(', '));
      const echoed = await withBearer(EVERYTHING_PATH, tokens.access_token, era, ['tools/call', '--tool-name', 'echo', '--tool-arg', 'message=hi']);
      assert.equal(echoed.content[0].text, 'Echo: hi');
    });

    it(`signs in for ${EVERYTHING_PATH} through its own OAuth flow and calls echo (${era} era)`, { timeout: 120_000 }, async () => {
      const echoed = await withOwnSignIn(EVERYTHING_PATH, era, ['tools/call', '--tool-name', 'echo', '--tool-arg', 'message=signed in']);
      assert.equal(echoed.content[0].text, 'Echo: signed in');
    });

    it(`calls everything__echo through /mcp with a bearer header (${era} era)`, { timeout: 120_000 }, async () => {
      const { tokens } = await obtainTokens(gh);
      const echoed = await withBearer('/mcp', tokens.access_token, era, ['tools/call', '--tool-name', 'everything__echo', '--tool-arg', 'message=via /mcp']);
      assert.equal(echoed.content[0].text, 'Echo: via /mcp');
    });
  }
});
