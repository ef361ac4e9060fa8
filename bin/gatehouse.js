#!/usr/bin/env node
// `gatehouse` as installed by npm: the built CLI when there is a build, else the TypeScript sources through tsx, so
// `npx gatehouse …` works in a fresh clone after `npm ci`, before `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/src/cli/index.js', import.meta.url);

if (existsSync(built)) {
  await import(built.href);
} else {
  let tsx;
  try {
    // Resolved from this file rather than the working folder, so the command works from anywhere.
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write('gatehouse: there is no build (dist/) and tsx is not installed: run `npm ci`, or `npm run build`\n');
    process.exit(1);
  }
  const source = fileURLToPath(new URL('../src/cli/index.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // A terminal's Ctrl-C reaches the child too (same process group), so SIGINT is only waited out here; signals sent
  // to this process alone (a supervisor's SIGTERM) are passed on, so `gatehouse start` shuts down cleanly.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}
