// `gatehouse clients add|list|show|remove`: pre-registered clients for Claude's "Advanced settings", and a look at what
// registered itself.
import { Command } from 'commander';
import { generateClientSecret, parsePreregisteredClient, storePreregisteredClient } from '../oauth/preregistered-clients.js';
import { InvalidUsage, iso, localTime, printFields, printJson, printTable, Refused, runCommand, withStorage } from './run.js';

/** Longer than the revocation poll of running instances (every 2 s: RevocationList in src/index.ts). */
const REVOCATION_POLL_WAIT_MS = 3_000;

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function clientsCommand(): Command {
  const clients = new Command('clients').description('manage OAuth clients: pre-registered, registered dynamically, metadata documents');

  clients
    .command('add')
    .description('pre-register a client with a fixed id (and a secret, generated unless given)')
    .requiredOption('--id <client_id>', 'the client id to give the client')
    .requiredOption('--redirect-uri <uri>', 'a redirect URI (repeat for several)', collect)
    .option('--name <name>', 'the name shown on the consent page')
    .option('--secret <secret>', 'the client secret (at least 16 characters); generated when omitted')
    .option('--public', 'a public client (token_endpoint_auth_method none), with no secret')
    .option('--auth-method <method>', 'client_secret_basic (default) or client_secret_post')
    .option('--json', 'print JSON')
    .action((options) =>
      runCommand(async () => {
        if (options.public && options.secret) throw new InvalidUsage('--public and --secret exclude each other');
        await withStorage(async (storage) => {
          const secret = options.public ? undefined : (options.secret ?? generateClientSecret());
          const client = parsePreregisteredClient({
            client_id: options.id,
            client_secret: secret,
            redirect_uris: options.redirectUri,
            ...(options.name && { client_name: options.name }),
            ...(options.public ? { token_endpoint_auth_method: 'none' } : options.authMethod && { token_endpoint_auth_method: options.authMethod }),
          });
          if (await storage.clients.find(client.client_id)) throw new Refused(`a client ${client.client_id} already exists`);
          await storePreregisteredClient(storage.clients, client);
          await storage.audit.record({
            type: 'client.registered',
            clientId: client.client_id,
            detail: { clientName: client.metadata.client_name ?? null, redirectUris: client.metadata.redirect_uris, via: 'command line' },
          });
          const result = { client_id: client.client_id, ...(secret && { client_secret: secret }), ...client.metadata };
          if (options.json) return printJson(result);
          process.stdout.write(`Created client ${client.client_id}\n`);
          if (secret && !options.secret) process.stdout.write(`Client secret (shown once): ${secret}\n`);
        });
      }),
    );

  clients
    .command('list')
    .description('list the clients: pre-registered, registered dynamically, and metadata documents seen')
    .option('--json', 'print JSON')
    .action((options) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const all = await storage.clients.list();
          const rows = all.map((client) => ({
            client_id: client.clientId,
            kind: client.kind,
            name: client.metadata.client_name ?? '',
            auth: client.metadata.token_endpoint_auth_method,
            created: client.createdAt,
          }));
          if (options.json) return printJson(rows.map((row) => ({ ...row, created: iso(row.created) })));
          printTable(rows.map((row) => ({ ...row, created: localTime(row.created) })));
        }),
      ),
    );

  clients
    .command('show')
    .description('show one client: its metadata, kind, creation time and how many grants it holds in force')
    .argument('<client_id>')
    .option('--json', 'print JSON')
    .action((clientId: string, options: { json?: boolean }) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const client = await storage.clients.find(clientId);
          if (!client) throw new Refused(`no client ${clientId}`);
          const activeGrants = await storage.grants.countActiveForClient(clientId);
          // The secret and registration token are stored hashed and never shown; only whether there is a secret.
          const shown = {
            client_id: client.clientId,
            kind: client.kind,
            created: iso(client.createdAt)!,
            has_secret: client.secretHash !== null,
            active_grants: activeGrants,
          };
          if (options.json) return printJson({ ...shown, metadata: client.metadata });
          printFields({
            ...Object.fromEntries(Object.entries(shown).map(([name, value]) => [name, String(value)])),
            created: localTime(client.createdAt),
            ...Object.fromEntries(
              Object.entries(client.metadata).map(([name, value]) => [
                name,
                Array.isArray(value) && value.every((v) => typeof v === 'string')
                  ? value.join(', ')
                  : typeof value === 'string'
                    ? value
                    : JSON.stringify(value),
              ]),
            ),
          });
        }),
      ),
    );

  clients
    .command('remove')
    .description('delete a client with its grants, revoking them first so running instances refuse its tokens')
    .argument('<client_id>')
    .action((clientId: string) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const grants = new Map((await storage.grants.list({ clientId })).map((grant) => [grant.id, grant]));
          // Deleting records its grants as revoked (running instances poll for that, and hear of it over Redis).
          const revoked = await storage.clients.delete(clientId);
          if (!revoked) throw new Refused(`no client ${clientId}`);
          for (const grantId of revoked) {
            const userId = grants.get(grantId)?.userId;
            await storage.audit.record({ type: 'grant.revoked', userId, clientId, detail: { grantId, reason: 'client removed from the command line' } });
          }
          const grantsRevoked = revoked.length;
          await storage.audit.record({ type: 'client.deleted', clientId, detail: { via: 'command line', grantsRevoked } });
          // Return once running instances have polled, so the client's tokens are refused when the command is done.
          if (grantsRevoked > 0) await new Promise((resolve) => setTimeout(resolve, REVOCATION_POLL_WAIT_MS));
          process.stdout.write(
            `Removed client ${clientId}${grantsRevoked > 0 ? ` and revoked its ${grantsRevoked} grant${grantsRevoked === 1 ? '' : 's'}` : ''}\n`,
          );
        }),
      ),
    );

  return clients;
}
