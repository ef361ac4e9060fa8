// An MCP client transport to a server that speaks stdio: Gatehouse spawns it and exchanges newline-delimited
// JSON-RPC over its stdin and stdout, as the SDK's StdioClientTransport does. Ours exists for what that one cannot
// do: it starts the server in a process group of its own and signals the whole group, so the grandchildren of a
// launcher (`npx -y …` runs the real server as its child) stop with it instead of living on as orphans.
//
// Nothing here keeps a registry of children: the owner (the pool) closes its transports, and can call killNow()
// from a `process.on('exit')` handler as a last resort.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseJSONRPCMessage, SdkError, SdkErrorCode, type JSONRPCMessage, type Transport, type TransportSendOptions } from '@modelcontextprotocol/client';

export interface ProcessTransportOptions {
  command: string;
  args: string[];
  /** The child's whole environment, as is: build it with childEnvironment(). */
  env: Record<string, string>;
  cwd?: string;
  /** Each line the server writes to stderr, truncated and rate limited. */
  onStderr?: (line: string) => void;
  /** How long the process group has between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const DEFAULT_STOP_GRACE_MS = 5000;
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const MAX_STDERR_LINE_CHARS = 2000;
const STDERR_LINES_PER_SECOND = 50;
// The connection ends when the server has exited and its stdout has closed. Either can come first ('exit' before the
// last of stdout is read; EOF before 'exit' is reported), and the other may never come (a grandchild holding the
// pipe open; a server that closes stdout and lives on): this long is waited for it.
const END_LINGER_MS = 250;
const GROUP_POLL_MS = 20;

// The parent's variables a server needs to run at all. Anything more would hand Gatehouse's own secrets
// (JWT_SECRET, DATABASE_URL, provider client secrets) and its runtime switches (NODE_OPTIONS) to third-party code.
const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG', 'TMPDIR'] as const;

/** What a server's process inherits from Gatehouse's environment: those few variables, and nothing else. */
export function inheritedEnvironment(parentEnv: Record<string, string | undefined>): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = parentEnv[name];
    if (value !== undefined) inherited[name] = value;
  }
  return inherited;
}

/** The environment for a server's process: what it inherits, then the server's own variables (which win). */
export function childEnvironment(serverEnv: Record<string, string>, inherited: Record<string, string>): Record<string, string> {
  return { ...inherited, ...serverEnv };
}

export class ProcessTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: Transport['onclose'];
  onerror?: Transport['onerror'];

  #child: ChildProcess | undefined;
  #starting: Promise<void> | undefined;
  #spawned = false;
  #exitInfo: ExitInfo | undefined;
  #closing: Promise<void> | undefined;
  #groupStopped = false;
  #discarding = false; // stdout is no longer read: its framing was lost, or the connection ended
  #ended = false; // onclose has been called
  #markEnded!: () => void;
  readonly #endedOnce = new Promise<void>((resolve) => (this.#markEnded = resolve));
  #drain: Promise<void> | undefined;
  #stdoutClosed = false;
  #linger: NodeJS.Timeout | undefined;
  readonly #stdoutLines = new LineFramer(MAX_MESSAGE_BYTES);
  readonly #stderrLines: StderrLines | undefined;
  readonly #stopGraceMs: number;

  constructor(private readonly options: ProcessTransportOptions) {
    this.#stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    if (options.onStderr) this.#stderrLines = new StderrLines(new LineRateLimit(options.onStderr, STDERR_LINES_PER_SECOND));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How the process ended, once it has. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exitInfo;
  }

  async start(): Promise<void> {
    if (this.#child) throw new Error(`ProcessTransport for ${this.options.command} already started`);
    const { command, args, env, cwd } = this.options;
    const child = spawn(command, args, { shell: false, detached: true, stdio: ['pipe', 'pipe', 'pipe'], env, cwd, windowsHide: true });
    this.#child = child;
    child.once('exit', (code, signal) => this.#onExit(code, signal));
    this.#starting = new Promise<void>((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException) => {
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
        reject(spawnFailure(command, cwd, error));
      };
      child.once('error', failed);
      child.once('spawn', () => {
        child.off('error', failed);
        this.#spawned = true;
        this.#listen(child);
        resolve();
      });
    });
    await this.#starting;
  }

  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!this.#spawned || this.#closing || this.#ended || !stdin?.writable) throw this.#notRunning();
    if (!stdin.write(JSON.stringify(message) + '\n')) {
      // One wait shared by every sender, so a busy server does not collect a listener per message.
      this.#drain ??= drained(stdin, () => this.#notRunning()).finally(() => (this.#drain = undefined));
      await this.#drain;
    }
  }

  /** Ends stdin, SIGTERMs the process group, SIGKILLs it after the grace; resolves once the server has exited. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  /** Last resort for a `process.on('exit')` handler, which cannot wait: SIGKILL to the whole group, now. */
  killNow(): void {
    if (this.#spawned && !this.#groupStopped) this.#signalGroup('SIGKILL');
  }

  #listen(child: ChildProcess): void {
    child.on('error', (error) => this.onerror?.(error));
    // EPIPE: the server is gone, which its exit reports.
    child.stdin!.on('error', (error: NodeJS.ErrnoException) => error.code !== 'EPIPE' && this.onerror?.(error));
    child.stdout!.on('data', (chunk: Buffer) => this.#read(chunk));
    child.stdout!.on('close', () => {
      this.#stdoutClosed = true;
      this.#settle();
    });
    if (this.#stderrLines) {
      const lines = this.#stderrLines;
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => lines.push(text));
      child.stderr!.on('close', () => lines.end());
    } else {
      child.stderr!.resume(); // unread, a full pipe would block the server
    }
  }

  #read(chunk: Buffer): void {
    if (this.#discarding) return;
    let lines: string[];
    try {
      lines = this.#stdoutLines.push(chunk);
    } catch (error) {
      this.#discarding = true;
      this.onerror?.(error as Error);
      void this.close();
      return;
    }
    for (const line of lines) this.#deliver(line);
  }

  #deliver(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return;
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(JSON.parse(text));
    } catch (error) {
      const what = error instanceof SyntaxError ? 'a line that is not JSON' : 'JSON that is not a JSON-RPC message';
      this.onerror?.(new Error(`${this.options.command} wrote ${what}: ${preview(text)}`, { cause: error }));
      return;
    }
    try {
      this.onmessage?.(message);
    } catch (error) {
      this.onerror?.(error as Error); // thrown here, it would escape the stream's 'data' event and crash Gatehouse
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exitInfo = { code, signal };
    if (!this.#spawned) return;
    // The server may have left children behind in its group; they go too.
    void this.close();
    this.#settle();
  }

  #settle(): void {
    if (this.#stdoutClosed && this.#exitInfo) this.#finish();
    else this.#linger ??= setTimeout(() => this.#finish(), END_LINGER_MS);
  }

  /** The end of the connection, once: onclose, with exitInfo known whenever the server has exited. */
  #finish(): void {
    clearTimeout(this.#linger);
    if (this.#ended) return;
    this.#ended = true;
    this.#discarding = true;
    this.#markEnded();
    void this.close(); // a server that closed stdout but lives on is stopped
    this.onclose?.();
  }

  async #shutDown(): Promise<void> {
    const child = this.#child;
    await this.#starting?.catch(() => undefined); // a close() during start() stops what starts
    if (!child || !this.#spawned) return;
    try {
      child.stdin?.end();
    } catch {
      // already gone
    }
    this.#signalGroup('SIGTERM');
    if (!(await this.#groupGoneWithin(this.#stopGraceMs))) this.#signalGroup('SIGKILL');
    while (!this.#exitInfo) await delay(GROUP_POLL_MS);
    this.#groupStopped = true;
    await this.#endedOnce; // the last of stdout read, at most END_LINGER_MS after the exit
    // A descendant that left the group could still hold the pipes; they must not keep Gatehouse alive.
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
    this.#stderrLines?.end();
  }

  async #groupGoneWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.#exitInfo && !this.#groupAlive()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await delay(Math.min(GROUP_POLL_MS, left));
    }
  }

  // A negative pid addresses the process group, which `detached: true` made the child the leader of. A zombie still
  // counts as a member: where nothing reaps orphans (a container whose PID 1 is not an init), the grace runs out.
  #signalGroup(signal: NodeJS.Signals | 0): boolean {
    const pid = this.#child?.pid;
    if (pid === undefined) return false;
    try {
      if (process.platform === 'win32') return this.#child!.kill(signal); // no process groups there
      process.kill(-pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      if (signal !== 0) this.onerror?.(error as Error);
      return true; // EPERM: someone is there
    }
  }

  #groupAlive(): boolean {
    return process.platform === 'win32' ? !this.#exitInfo : this.#signalGroup(0);
  }

  #notRunning(): SdkError {
    return new SdkError(SdkErrorCode.NotConnected, `${this.options.command} is not running`);
  }
}

function spawnFailure(command: string, cwd: string | undefined, error: NodeJS.ErrnoException): Error {
  if (error.code === 'ENOENT' && cwd !== undefined && !existsSync(cwd)) {
    return new Error(`could not start ${command}: working directory ${cwd} not found`, { cause: error });
  }
  const reason = error.code === 'ENOENT' ? 'not found' : error.code === 'EACCES' ? 'permission denied' : error.message;
  return new Error(`could not start ${command}: ${reason}`, { cause: error });
}

function drained(stream: Writable, gone: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(gone());
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const preview = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

/** Splits a byte stream into lines, refusing to buffer a line longer than the bound. */
class LineFramer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines this chunk completes, decoded; throws when a line outgrows the bound. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      this.#keep(chunk.subarray(start, end));
      lines.push(Buffer.concat(this.#pending, this.#pendingBytes).toString('utf8'));
      this.#pending = [];
      this.#pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start));
    return lines;
  }

  #keep(piece: Buffer): void {
    if (this.#pendingBytes + piece.length > this.maxLineBytes) {
      this.#pending = [];
      throw new Error(`the server wrote a message over ${this.maxLineBytes} bytes`);
    }
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
  }
}

/** Splits stderr text into lines of at most MAX_STDERR_LINE_CHARS, holding no more than that of a partial line. */
class StderrLines {
  #partial = '';

  constructor(private readonly limit: LineRateLimit) {}

  push(text: string): void {
    const pieces = text.split('\n');
    const last = pieces.pop()!;
    for (const piece of pieces) {
      this.#emit(this.#partial + piece);
      this.#partial = '';
    }
    this.#partial = (this.#partial + last).slice(0, MAX_STDERR_LINE_CHARS + 1); // +1 keeps a trailing '\r' strippable
  }

  end(): void {
    this.#emit(this.#partial);
    this.#partial = '';
    this.limit.flush();
  }

  #emit(line: string): void {
    const text = (line.endsWith('\r') ? line.slice(0, -1) : line).slice(0, MAX_STDERR_LINE_CHARS);
    if (text !== '') this.limit.push(text);
  }
}

/**
 * Passes at most `perSecond` lines in each one-second window; what it drops is summed up in one line when the window
 * ends, so a server in a crash loop cannot flood Gatehouse's log.
 */
class LineRateLimit {
  #windowStart = -Infinity;
  #passed = 0;
  #dropped = 0;
  #windowEnd: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly perSecond: number,
  ) {}

  push(line: string): void {
    const now = performance.now();
    if (now - this.#windowStart >= 1000) this.#openWindow(now);
    if (this.#passed < this.perSecond) {
      this.#passed++;
      this.emit(line);
      return;
    }
    this.#dropped++;
    this.#windowEnd ??= setTimeout(() => this.#openWindow(performance.now()), this.#windowStart + 1000 - now).unref();
  }

  /** Reports what was dropped so far. */
  flush(): void {
    clearTimeout(this.#windowEnd);
    this.#windowEnd = undefined;
    if (this.#dropped > 0) this.emit(`(${this.#dropped} stderr lines dropped)`);
    this.#dropped = 0;
  }

  #openWindow(now: number): void {
    this.flush();
    this.#windowStart = now;
    this.#passed = 0;
  }
}
