// The bench's table: each scenario's figures, as a ratio to the bare server measured in the same run.
import { cpus } from 'node:os';
import type { LoadFigures } from './load.js';

export interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  bare?: number;
  rssMb?: number;
  target?: string;
  unexpected?: number;
}

export function row(scenario: string, figures: LoadFigures, extra: Partial<Row> = {}): Row {
  return { scenario, rps: figures.rps, p50: figures.p50, p99: figures.p99, unexpected: figures.unexpected, ...extra };
}

export function print(rows: Row[]) {
  const lines = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'RSS MB', 'target / note']];
  for (const r of rows) {
    lines.push([
      r.scenario,
      r.rps ? r.rps.toFixed(0) : '',
      r.rps ? r.p50.toFixed(2) : '',
      r.rps ? r.p99.toFixed(2) : '',
      r.bare ? `${((100 * r.rps) / r.bare).toFixed(1)} %` : '',
      r.rssMb?.toFixed(1) ?? '',
      r.target ?? '',
    ]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const format = (line: string[]) => `| ${line.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write([format(lines[0]!), format(widths.map((w) => '-'.repeat(w))), ...lines.slice(1).map(format)].join('\n') + '\n');
  process.stdout.write(`\n${cpus().length} CPUs, Node ${process.version}; load from this process with autocannon on 127.0.0.1.\n`);
}
