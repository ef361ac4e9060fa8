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

/**
 * Lines to stdout, or to `destination` (tests capture them). Stdout is written asynchronously: lines logged
 * while a write is under way go out together in the next one, so a busy server makes one write per batch rather
 * than one per request (a write per line shows in `npm run bench`'s refusal figures), and a quiet one still writes each line at once.
 * Pino flushes what is pending when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    base: { service: 'gatehouse' },
    redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`)], censor: '[redacted]' },
  };
  const out = destination ?? pino.destination({ dest: 1, sync: false });
  return pino(options, format === 'pretty' ? prettyLines(out, destination === undefined && Boolean(process.stdout.isTTY)) : out);
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
