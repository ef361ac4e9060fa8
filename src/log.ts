// Structured JSON logs. Secrets never reach them: credentials are redacted wherever they could appear.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

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
 * JSON lines to stdout, or to `destination` (tests capture them). Stdout is written asynchronously: lines logged
 * while a write is under way go out together in the next one, so a busy server makes one write per batch rather
 * than one per request (a write per line shows in `npm run bench`'s refusal figures), and a quiet one still writes each line at once.
 * Pino flushes what is pending when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'gatehouse' },
    redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`)], censor: '[redacted]' },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/**
 * For lines whose fields are fixed and hold no secret (the request line, audit events): it skips redaction, which
 * is the dearest part of a log line.
 */
export function unredactedLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
