// `gatehouse doctor` on the command line: the checklist for people, JSON for scripts, and exit codes that say
// whether anything failed (1) or the command was misused (2).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Finding } from '../../src/doctor/doctor.js';
import { startFakeServer, type FakeServer } from './fake-server.js';
import { doctorInProcess } from './in-process.js';

/** Runs it as a process of its own, for the exit codes commander itself decides. */
async function doctorProcess(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/doctor/cli-entry.ts', ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('gatehouse doctor (command line)', () => {
  let healthy: FakeServer;
  let broken: FakeServer;

  before(async () => {
    healthy = await startFakeServer();
    broken = await startFakeServer({ codeChallengeMethods: null });
  });
  after(async () => {
    await healthy.close();
    await broken.close();
  });

  it('prints the findings as JSON and exits 0 when nothing failed', async () => {
    const { stdout, exitCode } = await doctorInProcess([healthy.mcpUrl, '--local', '--json', '--timeout', '5']);
    const findings = JSON.parse(stdout) as Finding[];
    assert.ok(findings.length > 10);
    for (const finding of findings) {
      assert.deepEqual(
        Object.keys(finding).filter((key) => key !== 'fix'),
        ['id', 'title', 'status', 'detail'],
      );
      assert.ok(['pass', 'skip'].includes(finding.status), JSON.stringify(finding));
    }
    assert.equal(exitCode, 0);
  });

  it('prints a checklist with the fix under each failure, and exits 1', async () => {
    const { stdout, exitCode } = await doctorInProcess([broken.mcpUrl, '--local']);
    assert.match(stdout, /^✔ Unauthenticated POST answers 401 with a Bearer challenge — 401 with Bearer/m);
    assert.match(stdout, /^✖ PKCE with S256 — no code_challenge_methods_supported.*\n {4}fix: support PKCE/m);
    assert.match(stdout, /^- Served over https — /m);
    assert.match(stdout, /\d+ passed, 1 failed, 0 warnings, 10 skipped\n$/);
    assert.equal(exitCode, 1);
  });

  it('exits 2 for a URL that is not one, without a stack trace', async () => {
    const { stdout, stderr, exitCode } = await doctorInProcess(['example.com/mcp']);
    assert.equal(exitCode, 2);
    assert.equal(stdout, '');
    assert.equal(stderr, 'gatehouse doctor: not a URL: example.com/mcp\n');
  });

  it('sets the exit code of a real process: 1 for a failure, 2 for misuse', async () => {
    const failed = await doctorProcess([broken.mcpUrl, '--local', '--json']);
    assert.equal(failed.code, 1);
    assert.equal((JSON.parse(failed.stdout) as Finding[]).find((finding) => finding.id === 'pkce.s256')!.status, 'fail');

    for (const args of [['ftp://example.com/mcp'], [], [healthy.mcpUrl, '--timeout', 'soon'], [healthy.mcpUrl, '--frobnicate']]) {
      const misuse = await doctorProcess(args);
      assert.equal(misuse.code, 2, `${args.join(' ')}: ${misuse.stderr}`);
      assert.doesNotMatch(misuse.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
