// `gatehouse clients add|list|remove`: pre-registered clients for Claude's "Advanced settings", and a look at what
// registered itself.
import { Command } from 'commander';
import { generateClientSecret, parsePreregisteredClient, storePreregisteredClient } from '../oauth/preregistered-clients.js';
import { printTable, runCommand, UsageError, withStorage } from './run.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function clientsCommand(): Command {
  const clients = new Command('clients').description('manage OAuth clients');

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
      runCommand(() =>
        withStorage(async (storage) => {
          if (options.public && options.secret) throw new UsageError('--public and --secret exclude each other');
          const secret = options.public ? undefined : (options.secret ?? generateClientSecret());
          const client = parsePreregisteredClient({
            client_id: options.id,
            client_secret: secret,
            redirect_uris: options.redirectUri,
            ...(options.name && { client_name: options.name }),
            ...(options.public ? { token_endpoint_auth_method: 'none' } : options.authMethod && { token_endpoint_auth_method: options.authMethod }),
          });
          if (await storage.clients.find(client.client_id)) throw new UsageError(`a client ${client.client_id} already exists`);
          await storePreregisteredClient(storage.clients, client);
          const result = { client_id: client.client_id, ...(secret && { client_secret: secret }), ...client.metadata };
          if (options.json) return void process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          process.stdout.write(`Created client ${client.client_id}\n`);
          if (secret && !options.secret) process.stdout.write(`Client secret (shown once): ${secret}\n`);
        }),
      ),
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
            created: new Date(client.createdAt).toISOString(),
          }));
          if (options.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          printTable(rows);
        }),
      ),
    );

  clients
    .command('remove')
    .description('delete a client, with every grant and token it holds')
    .argument('<client_id>')
    .action((clientId: string) =>
      runCommand(() =>
        withStorage(async (storage) => {
          if (!(await storage.clients.delete(clientId))) throw new UsageError(`no client ${clientId}`);
          process.stdout.write(`Removed client ${clientId}\n`);
        }),
      ),
    );

  return clients;
}
