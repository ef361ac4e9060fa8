// Structured JSON logs, or readable lines for a person at a terminal. Secrets reach neither: credentials are
// redacted wherever they could appear, before a line is formatted.
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/** `json`: one JSON object a line, for log collectors. `pretty`: pino-pretty's lines, for people. */
export type LogFormat = 'json' | 'pretty';

const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'token',
  'registration_access_token',
];

/**
 * LOG_FORMAT=auto: readable lines when a person is watching (stdout is a terminal) outside production; JSON
 * wherever a machine reads (production, a pipe, a file, a platform's log collector).
 */
export function logFormatFor(setting: 'auto' | LogFormat, where: { tty: boolean; nodeEnv: string }): LogFormat {
  if (setting !== 'auto') return setting;
  return where.tty && where.nodeEnv !== 'production' ? 'pretty' : 'json';
}

/** Lines to stdout (see stdoutPerTurn), or to `destination` (tests capture them). */
export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    base: { service: 'gatehouse' },
    redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`)], censor: '[redacted]' },
  };
  const out = destination ?? stdoutPerTurn();
  return pino(options, format === 'pretty' ? prettyLines(out, destination === undefined && Boolean(process.stdout.isTTY)) : out);
}

let stdout: DestinationStream | undefined;

/**
 * Stdout, written once per turn of the event loop: the lines logged during a turn go out together, in one write
 * made when the turn ends (sync, as pino's own default). Written asynchronously, each line was handed to a thread
 * of the pool, and sonic-boom measured the byte length of everything still pending for each new one (README,
 * Performance). Lines still waiting when the process exits are written then. One for the process, however many
 * loggers write to stdout.
 */
function stdoutPerTurn(): DestinationStream {
  if (stdout) return stdout;
  const out = pino.destination({ dest: 1, sync: true });
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    out.write(text);
  };
  process.once('exit', flush);
  return (stdout = {
    write(line: string) {
      if (pending.push(line) === 1) setImmediate(flush);
    },
  });
}

/** Each JSON line pino writes, formatted in place by pino-pretty (no worker thread, no second stream). */
function prettyLines(out: DestinationStream, colors: boolean): DestinationStream {
  const format = prettyFactory({ colorize: colors, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true });
  return { write: (line: string) => out.write(format(line)) };
}

/**
 * For lines whose fields are fixed and hold no secret (the request line, audit events): it skips redaction, which
 * is the dearest part of a log line.
 */
export function unredactedLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
