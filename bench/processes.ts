// The servers under test run as child processes, so the load generator and each server keep their own CPU, and a
// server's memory can be read on its own (resident set size from /proc).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** How the deployment files start Gatehouse (package.json's `start`, which test/deploy.test.ts holds them to). */
const START = /node ((?:--\S+ )*)(\S+)$/.exec(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start)!;
/** `node` and its flags as deployments run Gatehouse, then the built server: the arguments of startServer. */
export const GATEHOUSE = [...START[1]!.split(' ').filter(Boolean), START[2]!];

/**
 * Where there are two CPUs or more (and taskset), every server runs on the last one, all its threads with it (V8's
 * garbage collector and compiler work off the main thread), and the load generator keeps the others: each server
 * then gets the same single core, and none can take the load generator's CPU, which made figures swing by a third
 * from run to run on two cores.
 */
const SERVER_CPU = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0 ? String(cpus().length - 1) : undefined;

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * Starts `node <args>` and resolves once it is listening: a 200 at `probe` when given, else a line matching `ready` on
 * stdout. With `logFile`, stdout goes there instead, as a deployment's logs go to a collector: read through a pipe
 * by this process, they would take CPU from the load generator and slow the server that logs more.
 */
export async function startServer(args: string[], env: NodeJS.ProcessEnv, port: number, probe?: string, logFile?: string): Promise<ServerProcess> {
  const log = logFile === undefined ? undefined : openSync(logFile, 'a');
  const command = SERVER_CPU === undefined ? [process.execPath, ...args] : ['taskset', '-c', SERVER_CPU, process.execPath, ...args];
  const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', log ?? 'pipe', 'inherit'] });
  if (log !== undefined) closeSync(log);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${logFile ? readFileSync(logFile, 'utf8') : output}`);
    if (
      probe
        ? await fetch(url + probe).then(
            (r) => r.ok,
            () => false,
          )
        : output.includes('ready')
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    rssMb: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
