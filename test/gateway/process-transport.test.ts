// ProcessTransport against real processes: the reference MCP server through the official client, and tiny node
// scripts that misbehave on purpose (garbage on stdout, floods on stderr, ignored SIGTERMs, leftover grandchildren).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Client, SdkError, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { childEnvironment, inheritedEnvironment, ProcessTransport, type ProcessTransportOptions } from '../../src/gateway/process-transport.js';

const started: ProcessTransport[] = [];
const grandchildren: number[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((transport) => transport.close()));
  for (const pid of grandchildren.splice(0)) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
});

/** A transport to `node -e script`, recorded for cleanup. */
function nodeScript(script: string, options: Partial<ProcessTransportOptions> = {}): ProcessTransport {
  return track(
    new ProcessTransport({
      command: process.execPath,
      args: ['-e', script],
      env: childEnvironment({}, inheritedEnvironment(process.env)),
      stopGraceMs: 2000,
      ...options,
    }),
  );
}

function track(transport: ProcessTransport): ProcessTransport {
  started.push(transport);
  return transport;
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  // A zombie is dead, only not reaped yet: where PID 1 reaps nothing (some containers), orphans stay zombies.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

async function waitFor(what: string, done: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The pid a script announced on stderr as `grandchild <pid>`. */
async function announcedGrandchild(lines: string[]): Promise<number> {
  await waitFor('the grandchild pid', () => lines.some((line) => line.startsWith('grandchild ')));
  const pid = Number(lines.find((line) => line.startsWith('grandchild '))!.split(' ')[1]);
  grandchildren.push(pid);
  return pid;
}

const SPAWN_GRANDCHILD = `
  const grandchild = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  console.error('grandchild ' + grandchild.pid);
`;

describe('ProcessTransport', () => {
  it('carries the official client to the reference server over stdio', async () => {
    const packageJson = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json');
    const bin = join(dirname(packageJson), JSON.parse(readFileSync(packageJson, 'utf8')).bin['mcp-server-everything']);
    const stderr: string[] = [];
    const transport = track(
      new ProcessTransport({
        command: process.execPath,
        args: [bin, 'stdio'],
        env: childEnvironment({}, inheritedEnvironment(process.env)),
        onStderr: (line) => stderr.push(line),
      }),
    );
    const client = new Client({ name: 'gatehouse-test', version: '0.0.0' });
    await client.connect(transport);

    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'echo'));
    const result = await client.callTool({ name: 'echo', arguments: { message: 'through the gatehouse' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'Echo: through the gatehouse' }]);
    await waitFor('the server banner on stderr', () => stderr.includes('Starting default (STDIO) server...'));

    const pid = transport.pid!;
    await client.close();
    assert.ok(isGone(pid));
    assert.equal(transport.exitInfo?.signal, 'SIGTERM');
  });

  it('gives the child only PATH, HOME, LANG, TMPDIR and its own variables', async () => {
    const saved = process.env.JWT_SECRET;
    process.env.JWT_SECRET = 'gatehouse-parent-secret';
    try {
      const messages: JSONRPCMessage[] = [];
      const transport = nodeScript(`console.log(JSON.stringify({ jsonrpc: '2.0', method: 'env', params: process.env }))`, {
        env: childEnvironment({ SERVER_TOKEN: 'for-the-server', HOME: '/srv/server-home' }, inheritedEnvironment(process.env)),
      });
      transport.onmessage = (message) => messages.push(message);
      await transport.start();
      await waitFor('the env message', () => messages.length > 0);

      const env = (messages[0] as { params: Record<string, string> }).params;
      const inherited = ['PATH', 'LANG', 'TMPDIR'].filter((name) => process.env[name] !== undefined);
      assert.deepEqual(Object.keys(env).sort(), [...inherited, 'HOME', 'SERVER_TOKEN'].sort());
      assert.equal(env.HOME, '/srv/server-home');
      assert.equal(env.JWT_SECRET, undefined);
    } finally {
      if (saved === undefined) delete process.env.JWT_SECRET;
      else process.env.JWT_SECRET = saved;
    }
  });

  it('stops the grandchildren with the child', async () => {
    const stderr: string[] = [];
    const transport = nodeScript(`${SPAWN_GRANDCHILD} setInterval(() => {}, 1000);`, { onStderr: (line) => stderr.push(line) });
    await transport.start();
    const grandchild = await announcedGrandchild(stderr);
    const child = transport.pid!;

    await transport.close();
    await waitFor('child and grandchild to be gone', () => isGone(child) && isGone(grandchild));
  });

  it('SIGKILLs a grandchild that ignores SIGTERM, though its parent obeyed', async () => {
    const stubborn = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)`;
    const stderr: string[] = [];
    const transport = track(
      new ProcessTransport({
        command: 'sh',
        args: ['-c', `"$NODE" -e "${stubborn}" & echo "grandchild $!" >&2; wait`],
        env: childEnvironment({ NODE: process.execPath }, inheritedEnvironment(process.env)),
        stopGraceMs: 300,
        onStderr: (line) => stderr.push(line),
      }),
    );
    await transport.start();
    const grandchild = await announcedGrandchild(stderr);
    await new Promise((resolve) => setTimeout(resolve, 300)); // its SIGTERM handler is in place

    await transport.close();
    await waitFor('the grandchild to be gone', () => isGone(grandchild));
  });

  it('SIGKILLs a child that ignores SIGTERM after stopGraceMs', async () => {
    const stderr: string[] = [];
    const transport = nodeScript(`process.on('SIGTERM', () => {}); console.error('ready'); setInterval(() => {}, 1000);`, {
      stopGraceMs: 300,
      onStderr: (line) => stderr.push(line),
    });
    await transport.start();
    await waitFor('the SIGTERM handler', () => stderr.includes('ready'));

    const before = performance.now();
    await transport.close();
    const took = performance.now() - before;
    assert.equal(transport.exitInfo?.signal, 'SIGKILL');
    assert.ok(took >= 250 && took < 2000, `close took ${took} ms`);
  });

  it('says which command could not be started', async () => {
    let closed = 0;
    const transport = track(
      new ProcessTransport({ command: 'gatehouse-no-such-command', args: [], env: childEnvironment({}, inheritedEnvironment(process.env)) }),
    );
    transport.onclose = () => closed++;
    await assert.rejects(transport.start(), { message: 'could not start gatehouse-no-such-command: not found' });
    await transport.close();
    await assert.rejects(transport.send({ jsonrpc: '2.0', method: 'ping' }), SdkError);
    assert.equal(closed, 0);
  });

  it('reports lines that are not JSON-RPC and keeps reading', async () => {
    const errors: Error[] = [];
    const messages: JSONRPCMessage[] = [];
    // Writes garbage, then echoes back whatever it reads.
    const transport = nodeScript(`process.stdout.write('not json\\n{"no":"jsonrpc"}\\n\\n'); process.stdin.pipe(process.stdout);`);
    transport.onerror = (error) => errors.push(error);
    transport.onmessage = (message) => messages.push(message);
    await transport.start();

    const large = 'x'.repeat(1024 * 1024); // over the pipe's buffer: send waits for 'drain'
    await transport.send({ jsonrpc: '2.0', method: 'echo', params: { large } });
    await waitFor('the echo', () => messages.length === 1);
    assert.deepEqual(messages[0], { jsonrpc: '2.0', method: 'echo', params: { large } });
    assert.deepEqual(
      errors.map((error) => error.message),
      [`${process.execPath} wrote a line that is not JSON: not json`, `${process.execPath} wrote JSON that is not a JSON-RPC message: {"no":"jsonrpc"}`],
    );
  });

  it('closes on a message over 16 MiB', async () => {
    const errors: Error[] = [];
    let closed = 0;
    const transport = nodeScript(`process.stdout.write('x'.repeat(17 * 1024 * 1024)); setInterval(() => {}, 1000);`);
    transport.onerror = (error) => errors.push(error);
    transport.onclose = () => closed++;
    await transport.start();

    await waitFor('the transport to close', () => closed === 1);
    assert.match(errors[0]!.message, /over 16777216 bytes/);
    assert.ok(transport.exitInfo);
  });

  it('rejects a send the server never reads before exiting', async () => {
    const transport = nodeScript(`setTimeout(() => process.exit(0), 200)`);
    await transport.start();
    await assert.rejects(transport.send({ jsonrpc: '2.0', method: 'big', params: { pad: 'x'.repeat(1024 * 1024) } }), SdkError);
  });

  it('rate limits a stderr flood and says how much it dropped', async () => {
    const stderr: string[] = [];
    const transport = nodeScript(`for (let i = 0; i < 500; i++) console.error('line ' + i); setInterval(() => {}, 1000);`, {
      onStderr: (line) => stderr.push(line),
    });
    await transport.start();

    const droppedCount = () => stderr.reduce((sum, line) => sum + Number(/^\((\d+) stderr lines dropped\)$/.exec(line)?.[1] ?? 0), 0);
    const passed = () => stderr.filter((line) => line.startsWith('line ')).length;
    await waitFor('every line to be passed or counted', () => passed() + droppedCount() === 500);
    assert.ok(stderr.length <= 60, `${stderr.length} stderr lines`);
    assert.equal(stderr[0], 'line 0');
  });

  it('truncates a long stderr line', async () => {
    const stderr: string[] = [];
    const transport = nodeScript(`console.error('a'.repeat(5000) + '\\r\\nnext'); setInterval(() => {}, 1000);`, { onStderr: (line) => stderr.push(line) });
    await transport.start();
    await waitFor('both lines', () => stderr.length === 2);
    assert.deepEqual(stderr, ['a'.repeat(2000), 'next']);
  });

  it('calls onclose once when the server exits on its own, after its last words', async () => {
    const messages: JSONRPCMessage[] = [];
    const atClose: unknown[] = [];
    const transport = nodeScript(`console.log(JSON.stringify({ jsonrpc: '2.0', method: 'bye' })); process.exit(3)`);
    transport.onmessage = (message) => messages.push(message);
    transport.onclose = () => atClose.push({ messages: messages.length, exit: transport.exitInfo });
    await transport.start();

    await waitFor('onclose', () => atClose.length > 0);
    assert.deepEqual(atClose, [{ messages: 1, exit: { code: 3, signal: null } }]);
    await transport.close();
    await assert.rejects(transport.send({ jsonrpc: '2.0', method: 'ping' }), SdkError);
    assert.equal(atClose.length, 1);
  });

  it('stops what the server left behind when it exits on its own', async () => {
    const stderr: string[] = [];
    let closed = 0;
    const transport = nodeScript(`${SPAWN_GRANDCHILD} process.exit(0);`, { onStderr: (line) => stderr.push(line) });
    transport.onclose = () => closed++;
    await transport.start();
    const grandchild = await announcedGrandchild(stderr);

    await waitFor('onclose and the grandchild gone', () => closed === 1 && isGone(grandchild));
  });

  it('stops a server whose start close() raced with', async () => {
    const transport = nodeScript(`setInterval(() => {}, 1000)`);
    const starting = transport.start();
    await transport.close();
    await starting;
    assert.ok(transport.exitInfo);
    assert.ok(isGone(transport.pid!));
  });

  it('killNow SIGKILLs the group at once', async () => {
    const transport = nodeScript(`process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`);
    await transport.start();
    transport.killNow();
    await waitFor('the exit', () => transport.exitInfo !== undefined);
    assert.equal(transport.exitInfo?.signal, 'SIGKILL');
  });
});

describe('childEnvironment and inheritedEnvironment', () => {
  const parent = { PATH: '/usr/bin', HOME: '/home/gh', LANG: 'C.UTF-8', JWT_SECRET: 's', DATABASE_URL: 'postgres://x', NODE_OPTIONS: '--inspect' };
  const cases: Array<[string, Record<string, string>, Record<string, string | undefined>, Record<string, string>]> = [
    ['keeps only the allowed variables', {}, parent, { PATH: '/usr/bin', HOME: '/home/gh', LANG: 'C.UTF-8' }],
    ['lets the server override them', { PATH: '/opt/bin', API_KEY: 'k' }, parent, { PATH: '/opt/bin', HOME: '/home/gh', LANG: 'C.UTF-8', API_KEY: 'k' }],
    ['skips what the parent does not set', { A: '1' }, { TMPDIR: '/tmp', HOME: undefined }, { TMPDIR: '/tmp', A: '1' }],
  ];
  for (const [name, server, parentEnv, expected] of cases) {
    it(name, () => assert.deepEqual(childEnvironment(server, inheritedEnvironment(parentEnv)), expected));
  }
});
