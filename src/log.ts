// Structured JSON logs. Secrets never reach them: credentials are redacted wherever they could appear.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'gatehouse' },
    redact: {
      paths: ['authorization', 'cookie', 'password', 'client_secret', 'code', 'code_verifier', 'refresh_token', 'access_token', 'token', '*.authorization', '*.cookie', '*.password'],
      censor: '[redacted]',
    },
  });
}
