// Driving another program: waiting for a line of its output, collecting all of it until it exits.
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Resolves with the first match of `pattern` in the stream's text, or rejects after `timeoutMs`. */
export function waitForLine(stream: Readable, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern}; saw:\n${seen.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(match);
      }
    };
    stream.on('data', onData);
  });
}

/** Collects a child's output until it exits; kills it after `killAfterMs` so that a stuck client fails the test. */
export function collectOutput(child: ChildProcess, killAfterMs: number) {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return { exited, output: () => ({ stdout, stderr }) };
}
