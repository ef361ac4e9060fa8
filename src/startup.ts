// Why Gatehouse could not start, when the operator can fix it: one line that names the setting and the fix. A stack
// trace is for bugs. createGatehouse throws these as ConfigErrors; startServer prints each line and exits 1.
import { join } from 'node:path';
import { ConfigError, withoutPassword, type Config, type Environment } from './config.js';
import { SigningKeysUnreadable } from './keys/key-store.js';

/** The innermost cause, which holds the driver's or the system's code. */
function rootCause(error: unknown): Error & { code?: unknown } {
  let inner = error as Error;
  while (inner.cause instanceof Error) inner = inner.cause;
  return inner;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '57P03', '08001', '08006']);
// PostgreSQL's SQLSTATEs: 28P01 invalid_password, 28000 invalid_authorization_specification, 3D000 invalid_catalog_name.
const REFUSED_LOGIN = new Set(['28P01', '28000']);
const NO_SUCH_DATABASE = '3D000';
const CANNOT_OPEN_FILE = /^(SQLITE_(CANTOPEN|NOTADB|READONLY|PERM|IOERR)|EACCES|EPERM|EROFS|ENOTDIR|EEXIST|EISDIR|ENOENT)/;

/** The database refused at start (unreachable, the login refused, no such database, a file that cannot be opened). */
export function databaseProblem(error: unknown, databaseUrl: string): ConfigError | undefined {
  const cause = rootCause(error);
  const code = typeof cause.code === 'string' ? cause.code : '';
  const password = /^[a-z+]+:\/\/[^/@:]*:([^/@]*)@/i.exec(databaseUrl)?.[1];
  let reason = cause.message || code;
  for (const secret of password ? [password, safeDecode(password)] : []) reason = reason.replaceAll(secret, '…');
  const where = `DATABASE_URL=${withoutPassword(databaseUrl)}`;
  if (UNREACHABLE.has(code) || /Connection terminated|timeout exceeded when trying to connect/i.test(cause.message)) {
    return new ConfigError(`cannot reach the database at ${where} (${reason}): start it, or set DATABASE_URL to where it runs`);
  }
  if (REFUSED_LOGIN.has(code)) return new ConfigError(`the database at ${where} refused the login (${reason}): correct the user and password in DATABASE_URL`);
  if (code === NO_SUCH_DATABASE) return new ConfigError(`the database at ${where} does not exist (${reason}): create it, or correct its name in DATABASE_URL`);
  if (databaseUrl.startsWith('sqlite:') && CANNOT_OPEN_FILE.test(code)) {
    return new ConfigError(
      `cannot open the SQLite file of ${where} (${reason}): set DATABASE_URL to a SQLite file Gatehouse may create and write, in a writable folder`,
    );
  }
  return undefined;
}

/** Redis did not answer at start: with REDIS_URL set, instances would not share limits, revocations or sessions. */
export function redisProblem(error: unknown, redisUrl: string): ConfigError {
  const reason = rootCause(error).message || 'no answer';
  return new ConfigError(
    `cannot reach Redis at REDIS_URL=${withoutPassword(redisUrl)} (${reason}): start it, or set REDIS_URL to where it runs (or unset it to run a single instance)`,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The stored signing keys do not open with this JWT_SECRET: it is not the one they were stored with. */
export function signingKeysProblem(error: unknown, config: Config, env: Environment): ConfigError | undefined {
  if (!(error instanceof SigningKeysUnreadable)) return undefined;
  // `keys rotate --immediately` stores a new key under this secret and retires the old ones at once (README, Security).
  const replace = 'or, to start over with new keys (tokens issued so far stop working), run "gatehouse keys rotate --immediately" with it';
  if (env.JWT_SECRET?.trim()) {
    return new ConfigError(`JWT_SECRET is not the secret the stored signing keys were encrypted with: set JWT_SECRET back to that one, ${replace}`);
  }
  const file = join(config.dataDir, 'jwt-secret');
  return new ConfigError(
    `the secret in ${file} (used while JWT_SECRET is unset) is not the one the stored signing keys were encrypted with: restore that file or set JWT_SECRET to the old secret, ${replace}`,
  );
}

/** The listening socket could not be opened: the port is taken or privileged, or HOST is not this machine's. */
export function listenProblem(error: unknown, host: string, port: number): string | undefined {
  switch ((error as { code?: unknown }).code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use: stop the other server or set PORT to a free port`;
    case 'EACCES':
      return `port ${port} on ${host} needs privileges this process lacks: set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine: set HOST to one of its addresses, or to 0.0.0.0 for all of them`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} does not resolve to an address: set HOST to one of this machine's addresses, or to 0.0.0.0 for all of them`;
    default:
      return undefined;
  }
}
