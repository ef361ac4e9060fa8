// The MCP Inspector's command line (@modelcontextprotocol/inspector 2.x, --cli): with a bearer header, and through
// its own OAuth flow (discovery, registration, PKCE, loopback callback), in both protocol eras.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signInAndDecide } from '../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens } from '../helpers/oauth.js';
import { ensureInteropInstalled, INSPECTOR, runNode22, spawnNode22 } from './tools.js';
import { freePort } from '../helpers/free-port.js';
import { waitForLine } from './process.js';

describe('MCP Inspector CLI', () => {
  let gh: TestGatehouse;
  let home: string;
  // Its own home: the Inspector keeps a catalog and OAuth state there. Secrets stay in memory.
  const env = () => ({ HOME: home, MCP_INSPECTOR_SECRET_STORE: 'memory' });

  before(async () => {
    ensureInteropInstalled();
    gh = await startGatehouse();
    home = mkdtempSync(join(tmpdir(), 'gatehouse-inspector-'));
  });
  after(async () => {
    await gh?.close();
    rmSync(home, { recursive: true, force: true });
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`calls a tool with a bearer header (${era} era)`, { timeout: 120_000 }, async () => {
      const { tokens } = await obtainTokens(gh);
      const run = await runNode22(
        [
          INSPECTOR,
          '--cli',
          gh.mcpUrl,
          '--method',
          'tools/call',
          '--tool-name',
          'whoami',
          '--header',
          `Authorization: Bearer ${tokens.access_token}`,
          '--format',
          'json',
          '--protocol-era',
          era,
        ],
        { timeoutMs: 90_000, env: env() },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).result.structuredContent.username, 'admin');
    });

    it(`signs in through its own OAuth flow and lists tools (${era} era)`, { timeout: 120_000 }, async () => {
      const port = await freePort();
      const child = spawnNode22(
        [
          INSPECTOR,
          '--cli',
          gh.mcpUrl,
          '--method',
          'tools/list',
          '--format',
          'json',
          '--protocol-era',
          era,
          '--callback-url',
          `http://127.0.0.1:${port}/oauth/callback`,
        ],
        // With no terminal, the Inspector runs interactive OAuth only when allowed to "open" the URL; it then prints it.
        { ...env(), MCP_AUTO_OPEN_ENABLED: 'true', BROWSER: 'true' },
      );
      const { exited, output } = collect(child);
      const line = await waitForLine(child.stderr!, /Please navigate to: (\S+)/, 60_000);
      const callback = await signInAndDecide(line[1]!);
      assert.equal(callback.origin, `http://127.0.0.1:${port}`);
      await fetch(callback); // delivered to the Inspector's own loopback listener, as a browser would
      const code = await exited;
      assert.equal(code, 0, output().stderr);
      const names = JSON.parse(output().stdout).result.tools.map((tool: { name: string }) => tool.name);
      assert.ok(names.includes('whoami'), names.join(', '));
    });
  }
});

function collect(child: ReturnType<typeof spawnNode22>) {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return { exited, output: () => ({ stdout, stderr }) };
}
