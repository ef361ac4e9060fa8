// The log's two formats: JSON for machines, pino-pretty's lines for a person at a terminal, and which one a start
// picks. Either way a secret never reaches the log.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.js';
import { createLogger, logFormatFor, type LogFormat } from '../src/log.js';

function capture(format: LogFormat): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', { write: (line: string) => void lines.push(line) }, format) };
}

describe('log format', () => {
  it('is readable lines at a terminal outside production, JSON everywhere else, unless LOG_FORMAT says', () => {
    for (const [setting, tty, nodeEnv, expected] of [
      ['auto', true, 'development', 'pretty'],
      ['auto', true, 'test', 'pretty'],
      ['auto', true, 'production', 'json'],
      ['auto', false, 'development', 'json'],
      ['auto', false, 'production', 'json'],
      ['json', true, 'development', 'json'],
      ['pretty', false, 'production', 'pretty'],
    ] as const) {
      assert.equal(logFormatFor(setting, { tty, nodeEnv }), expected, `LOG_FORMAT=${setting}, tty ${tty}, NODE_ENV=${nodeEnv}`);
    }
  });

  it('reads LOG_FORMAT: auto by default, and refuses other values', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).logFormat, 'auto');
    assert.equal(loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
    assert.throws(() => loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_FORMAT: 'text' }), {
      name: 'ConfigError',
      message: 'LOG_FORMAT must be one of auto, json or pretty (got "text")',
    });
  });

  it('writes JSON lines, with secrets redacted', () => {
    const { lines, logger } = capture('json');
    logger.info({ client_id: 'c1', password: 'hunter22', headers: { authorization: 'Bearer abc.def' } }, 'signed in');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!);
    assert.equal(line.msg, 'signed in');
    assert.equal(line.client_id, 'c1');
    assert.equal(line.password, '[redacted]');
    assert.equal(line.headers.authorization, '[redacted]');
  });

  it('writes one readable line per entry in pretty format, with the same secrets redacted', () => {
    const { lines, logger } = capture('pretty');
    logger.info({ client_id: 'c1', password: 'hunter22', headers: { authorization: 'Bearer abc.def' } }, 'signed in');
    logger.warn('slow');
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: signed in \{"client_id":"c1","password":"\[redacted\]","headers":\{"authorization":"\[redacted\]"\}\}\n$/,
    );
    assert.match(lines[1]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: slow\n$/);
    assert.doesNotMatch(lines.join(''), /hunter22|abc\.def/, 'no secret');
    assert.ok(!lines.join('').includes('\u001b['), 'no colours when not writing to a terminal');
  });

  it('to stdout, keeps every line in order, those of the turn the process exits in included', () => {
    // Lines logged over three turns of the event loop, the last ones just before an exit that leaves no later turn.
    const script = `
      import { createLogger } from './src/log.ts';
      const log = createLogger('info');
      for (let i = 0; i < 3; i++) log.info({ n: i }, 'first turn');
      setImmediate(() => {
        for (let i = 3; i < 5; i++) log.info({ n: i }, 'second turn');
        setImmediate(() => {
          log.info({ n: 5 }, 'last');
          process.exit(0);
        });
      });`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { n: number; msg: string });
    assert.deepEqual(
      lines.map((line) => line.n),
      [0, 1, 2, 3, 4, 5],
    );
    assert.equal(lines.at(-1)!.msg, 'last');
  });
});
