// `gatehouse audit`: the security events, newest first.
import { Command } from 'commander';
import { InvalidUsage, localTime, printJson, printTable, runCommand, usernames, withStorage } from './run.js';
import { findUser } from './users.js';

const MAX_LIMIT = 10_000;

export function auditCommand(): Command {
  return new Command('audit')
    .description('show security events: registrations, sign-ins, consents, tokens, revocations, key rotations')
    .option('--limit <n>', 'how many events', '50')
    .option('--type <type>', 'only events of this type, e.g. login.failed')
    .option('--user <username>', 'only events of this user')
    .option('--client <client_id>', 'only events of this client')
    .option('--json', 'print JSON')
    .action((options: { limit: string; type?: string; user?: string; client?: string; json?: boolean }) =>
      runCommand(async () => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new InvalidUsage(`--limit must be a whole number from 1 to ${MAX_LIMIT}`);
        await withStorage(async (storage) => {
          const user = options.user === undefined ? undefined : await findUser(storage, options.user);
          const events = await storage.audit.list({ limit, type: options.type, userId: user?.id, clientId: options.client });
          const nameOf = await usernames(
            storage,
            events.map((event) => event.userId),
          );
          // JSON keeps the ids (and epoch milliseconds) it always had, and adds the name.
          if (options.json) return printJson(events.map((event) => ({ ...event, ...(event.userId && { username: nameOf(event.userId) }) })));
          printTable(
            events.map((event) => ({
              at: localTime(event.at),
              type: event.type,
              user: nameOf(event.userId),
              client: event.clientId ?? '',
              ip: event.ip ?? '',
              detail: event.detail ? JSON.stringify(event.detail) : '',
            })),
          );
        });
      }),
    );
}
