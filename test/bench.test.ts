// A smoke run of `npm run bench` (a few hundred requests per scenario), so the harness cannot rot. The figures
// themselves are not asserted: speed is measured by the benchmark, not by tests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { onceOnly } from './helpers/database.js';

describe('benchmark harness', { skip: onceOnly }, () => {
  it('runs every scenario against the bare server and Gatehouse, and writes JSON', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-smoke-'));
    try {
      const out = join(dir, 'bench.json');
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json', out], { timeout: 230_000 });
      assert.match(stdout, /\| scenario\s+\| req\/s/);
      const { rows } = JSON.parse(readFileSync(out, 'utf8')) as { rows: { scenario: string; rps: number; unexpected?: number }[] };
      const names = rows.map((row) => row.scenario).join('\n');
      for (const expected of [
        /bare node:http/,
        /spending 50 µs of CPU/,
        /official SDK alone, one connection/,
        /tools\/call, 2026-07-28/,
        /tools\/call, 2025/,
        /tools\/list/,
        /401/,
        /gateway → HTTP upstream, tools\/call/,
        /gateway → HTTP upstream, one call at a time/,
        /token exchanges/,
        /connection setups/,
        /tokens, each used once/,
        /subscription streams/,
      ]) {
        assert.match(names, expected);
      }
      assert.ok(
        rows.every((row) => !row.unexpected),
        'every request got the answer its scenario expects',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
