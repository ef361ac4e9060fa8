// `gatehouse grants list|revoke`: who allowed which client, and ending that consent with every token it issued.
import { Command } from 'commander';
import { iso, localTime, printJson, printTable, Refused, runCommand, withStorage } from './run.js';
import { findUser } from './users.js';

export function grantsCommand(): Command {
  const grants = new Command('grants').description("manage grants: a user's consent to a client, and the tokens it issued");

  grants
    .command('list')
    .description('list grants in force, newest first (with --all, revoked ones too)')
    .option('--user <username>', 'only the grants of this user')
    .option('--client <client_id>', 'only the grants of this client')
    .option('--all', 'include revoked grants')
    .option('--json', 'print JSON')
    .action((options: { user?: string; client?: string; all?: boolean; json?: boolean }) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const user = options.user === undefined ? undefined : await findUser(storage, options.user);
          if (options.client !== undefined && !(await storage.clients.find(options.client))) throw new Refused(`no client ${options.client}`);
          const listed = await storage.grants.list({ userId: user?.id, clientId: options.client, includeRevoked: Boolean(options.all) });
          if (options.json)
            return printJson(
              listed.map((grant) => ({
                id: grant.id,
                user: grant.username,
                user_id: grant.userId,
                client_id: grant.clientId,
                client_name: grant.clientName,
                scopes: grant.scope.split(' ').filter(Boolean),
                resource: grant.resource,
                created: iso(grant.createdAt)!,
                last_used: iso(grant.lastUsedAt)!,
                revoked: iso(grant.revokedAt),
              })),
            );
          printTable(
            listed.map((grant) => ({
              id: grant.id,
              user: grant.username,
              client: grant.clientName ?? grant.clientId,
              scopes: grant.scope.split(' ').filter(Boolean).join(' '),
              created: localTime(grant.createdAt),
              last_used: localTime(grant.lastUsedAt),
              ...(options.all && { revoked: localTime(grant.revokedAt) }),
            })),
          );
        }),
      ),
    );

  grants
    .command('revoke')
    .description('revoke a grant: its refresh tokens are deleted and its access tokens refused by every instance')
    .argument('<grant_id>', 'the id shown by `gatehouse grants list`')
    .action((grantId: string) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const grant = await storage.grants.find(grantId);
          if (!grant) throw new Refused(`no grant ${grantId}`);
          if (grant.revokedAt !== null) throw new Refused(`grant ${grantId} was already revoked at ${localTime(grant.revokedAt)}`);
          // Through the repository, so withStorage announces it over Redis; instances also poll the database.
          if (await storage.grants.revoke(grant.id, Date.now())) {
            await storage.audit.record({
              type: 'grant.revoked',
              userId: grant.userId,
              clientId: grant.clientId,
              detail: { grantId: grant.id, reason: 'revoked from the command line' },
            });
          }
          process.stdout.write(`Revoked grant ${grantId}\n`);
        }),
      ),
    );

  return grants;
}
