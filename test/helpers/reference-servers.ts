// The reference MCP servers the gateway tests put Gatehouse in front of: pinned devDependencies, started from
// node_modules with this Node, never downloaded at test time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** A package's command, from its own package.json: `@modelcontextprotocol/server-memory` → its dist/index.js. */
export function binOf(pkg: string): string {
  const manifest = require.resolve(`${pkg}/package.json`);
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), Object.values(bin)[0]!);
}

/** The `mcpServers` entry that starts a reference server over stdio. */
export function stdioServer(pkg: string, args: string[] = [], extra: Record<string, unknown> = {}) {
  return { command: process.execPath, args: [binOf(pkg), ...args], ...extra };
}

/** Whether a process is alive (signal 0 asks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it holds, failing after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
