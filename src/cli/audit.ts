// `gatehouse audit`: the security events, newest first.
import { Command } from 'commander';
import { printTable, runCommand, UsageError, withStorage } from './run.js';

export function auditCommand(): Command {
  return new Command('audit')
    .description('show security events: registrations, sign-ins, consents, tokens, revocations, key rotations')
    .option('--limit <n>', 'how many events', '50')
    .option('--type <type>', 'only events of this type, e.g. login.failed')
    .option('--user <user_id>', 'only events of this user')
    .option('--client <client_id>', 'only events of this client')
    .option('--json', 'print JSON')
    .action((options) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const limit = Number(options.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
          const events = await storage.audit.list({ limit, type: options.type, userId: options.user, clientId: options.client });
          if (options.json) return void process.stdout.write(JSON.stringify(events, null, 2) + '\n');
          printTable(
            events.map((event) => ({
              at: new Date(event.at).toISOString(),
              type: event.type,
              user: event.userId ?? '',
              client: event.clientId ?? '',
              ip: event.ip ?? '',
              detail: event.detail ? JSON.stringify(event.detail) : '',
            })),
          );
        }),
      ),
    );
}
