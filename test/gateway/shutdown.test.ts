// Gatehouse as an operator runs it (a process, `gatehouse start`), stopped with SIGTERM while upstream servers run:
// every child and grandchild is gone afterwards, including those a wrapper such as `npx` or `sh` started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { ADMIN, CLAUDE_REGISTRATION, TEST_JWT_SECRET, type TestGatehouse } from '../helpers/gatehouse.js';
import { sendMcp } from '../helpers/mcp-request.js';
import { jsonRpcResult, obtainTokens } from '../helpers/oauth.js';
import { alive, binOf, until } from '../helpers/reference-servers.js';

/** Every process below `pid`, read from /proc (Linux). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command (which may hold spaces) start after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone between the listing and the read.
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

describe('SIGTERM with upstream servers running', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-shutdown-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves no child or grandchild behind', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // `sh -c` without exec stays as the parent of the server, as `npx` does.
    const servers = { mcpServers: { memory: { command: 'sh', args: ['-c', `"${process.execPath}" "${binOf('@modelcontextprotocol/server-memory')}"`] } } };
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'start'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        BASE_URL: baseUrl,
        DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
        JWT_SECRET: TEST_JWT_SECRET,
        ADMIN_PASSWORD: ADMIN.password,
        SERVERS_FILE: join(dir, 'servers.json'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(
        () =>
          fetch(`${baseUrl}/readyz`).then(
            (response) => response.ok,
            () => false,
          ),
        'Gatehouse to start',
        30_000,
      );
      const gh = {
        baseUrl,
        mcpUrl: `${baseUrl}/mcp`,
        register: (body: object = CLAUDE_REGISTRATION) =>
          fetch(`${baseUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      } as unknown as TestGatehouse;
      const { tokens } = await obtainTokens(gh, { resource: `${baseUrl}/mcp/memory` });
      const response = await sendMcp(`${baseUrl}/mcp/memory`, {
        era: '2026-07-28',
        method: 'tools/call',
        params: { name: 'read_graph', arguments: {} },
        token: tokens.access_token,
      });
      assert.ok((await jsonRpcResult(response)).result, 'the upstream answered');

      const running = descendants(child.pid!);
      assert.ok(running.length >= 2, `the wrapper and the server run under Gatehouse: ${running.join(' ')}`);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      await until(() => running.every((pid) => !alive(pid)), `processes ${running.join(', ')} to end`, 10_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
