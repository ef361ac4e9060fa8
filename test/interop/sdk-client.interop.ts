// The official TypeScript SDK's client (1.x, the one most desktop clients embed) through the gateway: its own OAuth
// flow against an upstream's endpoint and against /mcp, then tools/list and tools/call of server-everything's echo.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signInAndDecide } from '../helpers/browser.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { freePort } from '../helpers/free-port.js';
import { EVERYTHING_PATH, startGatehouseWithEverything } from './gateway.js';
import { collectOutput, waitForLine } from './process.js';
import { ensureInteropInstalled, spawnNode22 } from './tools.js';

const SDK_CLIENT = fileURLToPath(new URL('sdk-client.mjs', import.meta.url));

describe('MCP TypeScript SDK client, through the gateway', () => {
  let gh: TestGatehouse;
  before(async () => {
    ensureInteropInstalled();
    gh = await startGatehouseWithEverything();
  });
  after(() => gh?.close());

  /** Runs the SDK client against `path`, plays the person at the authorization URL, returns what the client saw. */
  async function signInAndCall(path: string, tool: string, args: Record<string, unknown>) {
    const port = await freePort();
    const child = spawnNode22([SDK_CLIENT, gh.baseUrl + path, String(port), tool, JSON.stringify(args)]);
    const { exited, output } = collectOutput(child, 60_000);
    const line = await waitForLine(child.stderr!, /Please authorize: (\S+)/, 30_000);
    const authorizationUrl = new URL(line[1]!);
    const callback = await signInAndDecide(authorizationUrl);
    assert.equal(callback.origin, `http://127.0.0.1:${port}`);
    await fetch(callback); // the client's own loopback listener takes the code
    const code = await exited;
    assert.equal(code, 0, output().stderr);
    return { authorizationUrl, seen: JSON.parse(output().stdout.trim().split('\n').pop()!) };
  }

  it(`signs in for ${EVERYTHING_PATH} from its own metadata, then lists and calls echo`, { timeout: 90_000 }, async () => {
    const { authorizationUrl, seen } = await signInAndCall(EVERYTHING_PATH, 'echo', { message: 'from the SDK' });
    assert.equal(authorizationUrl.searchParams.get('resource'), gh.baseUrl + EVERYTHING_PATH);
    assert.ok(seen.requests.includes(`GET ${gh.baseUrl}/.well-known/oauth-protected-resource${EVERYTHING_PATH} 200`), seen.requests.join('\n'));
    assert.ok(seen.tools.includes('echo'), seen.tools.join(', '));
    assert.equal(seen.result.content[0].text, 'Echo: from the SDK');
  });

  it('signs in for /mcp, then lists and calls everything__echo beside the built-in tools', { timeout: 90_000 }, async () => {
    const { authorizationUrl, seen } = await signInAndCall('/mcp', 'everything__echo', { message: 'via /mcp' });
    assert.equal(authorizationUrl.searchParams.get('resource'), gh.mcpUrl);
    assert.equal(seen.server.name, 'gatehouse');
    for (const name of ['whoami', 'everything__echo']) assert.ok(seen.tools.includes(name), seen.tools.join(', '));
    assert.equal(seen.result.content[0].text, 'Echo: via /mcp');
  });
});
