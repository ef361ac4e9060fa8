// Where the independent clients live: interop/, installed from its own lockfile with Node.js 22 as an npm package.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const INTEROP_DIR = fileURLToPath(new URL('../../interop/', import.meta.url));
export const NODE22 = `${INTEROP_DIR}node_modules/node/bin/node`;
export const CONFORMANCE = `${INTEROP_DIR}node_modules/@modelcontextprotocol/conformance/dist/index.js`;
export const MCP_REMOTE = `${INTEROP_DIR}node_modules/mcp-remote/dist/proxy.js`;
/** The Inspector's launcher; `--cli` selects its command-line client. */
export const INSPECTOR = `${INTEROP_DIR}node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js`;

/** `npm run test:interop` installs interop/ from its lockfile first; running a file alone needs that done once. */
export function ensureInteropInstalled(): void {
  if (!existsSync(NODE22) || !existsSync(CONFORMANCE)) throw new Error('interop/ is not installed: run npm run test:interop (or npm ci --prefix interop)');
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Node.js 22 program to completion (bounded by `timeoutMs`), collecting its output. */
export function runNode22(args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE22, args, { cwd: options.cwd ?? INTEROP_DIR, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running Node.js 22 program with pipes, for clients driven over stdio. */
export function spawnNode22(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(NODE22, args, { cwd: INTEROP_DIR, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}
