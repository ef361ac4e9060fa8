// A Gatehouse with its gateway in front of one reference server, for the clients to reach through it:
// server-everything over stdio, started from the main project's node_modules with this Node.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { stdioServer } from '../helpers/reference-servers.js';

/** The upstream's own endpoint; through `/mcp` its tools are named `everything__<tool>`. */
export const EVERYTHING_PATH = '/mcp/everything';

/** Starts Gatehouse with SERVERS_FILE naming `everything`; `close()` also removes the servers file. */
export async function startGatehouseWithEverything(): Promise<TestGatehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-interop-servers-'));
  const file = join(dir, 'servers.json');
  writeFileSync(file, JSON.stringify({ mcpServers: { everything: stdioServer('@modelcontextprotocol/server-everything', ['stdio']) } }));
  let gh: TestGatehouse;
  try {
    gh = await startGatehouse({ SERVERS_FILE: file });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...gh,
    async close() {
      await gh.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
