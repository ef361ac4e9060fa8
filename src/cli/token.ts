// `gatehouse token --user NAME`: a short-lived access token for one user, minted as the token endpoint mints them
// (src/oauth/access-token.ts), for checks such as `gatehouse doctor URL --token …` or a curl to /mcp. It belongs to a
// grant of its own, client `gatehouse-cli`, so `grants revoke` and `users disable` end it like any other token.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Command } from 'commander';
import { parseDuration } from '../config.js';
import { KeyStore } from '../keys/key-store.js';
import { issueAccessToken } from '../oauth/access-token.js';
import { resolveResource } from '../oauth/authorization-request.js';
import { mcpResourceUrls, MCP_SCOPES } from '../protected-resources.js';
import type { Storage } from '../storage/index.js';
import { peekConfig } from './database.js';
import { InvalidUsage, localTime, printJson, Refused, runCommand, withStorage } from './run.js';

/** The client the command line's tokens are issued to: no redirect URI and no grant type, so nothing else gets one. */
export const CLI_CLIENT_ID = 'gatehouse-cli';

const DEFAULT_TTL_SECONDS = 15 * 60;
const MAX_TTL_SECONDS = 60 * 60;

interface TokenOptions {
  user: string;
  scope?: string[];
  resource?: string;
  ttl?: string;
  yes?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function tokenCommand(): Command {
  return new Command('token')
    .description("mint a short-lived access token for a user, as Gatehouse's token endpoint would (for doctor --token, curl)")
    .requiredOption('--user <username>', 'whose token it is')
    .option('--scope <scopes>', `the scopes, space-separated or repeated (default: ${MCP_SCOPES.join(' ')})`, collect)
    .option('--resource <url>', 'the MCP endpoint it is for (default: BASE_URL/mcp)')
    .option('--ttl <duration>', `how long it lives, e.g. 5m (default 15m, at most 1h and ACCESS_TOKEN_TTL)`)
    .option('--yes', 'mint it even when NODE_ENV=production')
    .option('--json', 'print JSON: access_token, token_type, expires_in, scope, resource')
    .action((options: TokenOptions) =>
      runCommand(async () => {
        const settings = peekConfig();
        if (settings.auth.external)
          throw new Refused('AUTH_MODE=external: the MCP endpoints accept the external authorization server’s tokens, not Gatehouse’s');
        if (settings.nodeEnv === 'production' && !options.yes)
          throw new Refused(`NODE_ENV=production: the token acts as ${options.user} for anyone who holds it; pass --yes to mint it`);
        const scope = scopesOf(options.scope);
        const servers = settings.servers.map((server) => server.name);
        const resource = resolveResource(options.resource ?? `${settings.baseUrl}/mcp`, settings.baseUrl, servers);
        if (!resource) throw new InvalidUsage(`--resource must be one of ${mcpResourceUrls(settings.baseUrl, servers).join(', ')}`);
        // Never longer than ACCESS_TOKEN_TTL: that is how long the servers remember a revoked grant.
        const ttl = ttlOf(options.ttl, Math.min(MAX_TTL_SECONDS, settings.ttl.accessToken));

        await withStorage(async (storage, config) => {
          const user = await storage.users.findByUsername(options.user);
          if (!user) throw new Refused(`no user ${options.user}`);
          if (user.disabledAt !== null) throw new Refused(`user ${user.username} is disabled: \`gatehouse users enable ${user.username}\` first`);
          // The keys first: when JWT_SECRET does not open them, nothing is written.
          const keys = await KeyStore.open(storage.signingKeys, config.jwtSecret);
          await ensureClient(storage);
          const now = Date.now();
          const grantId = randomUUID();
          await storage.grants.create({ id: grantId, userId: user.id, clientId: CLI_CLIENT_ID, scope: scope.join(' '), resource, createdAt: now });
          const accessToken = await issueAccessToken(
            keys,
            { issuer: config.baseUrl, userId: user.id, username: user.username, clientId: CLI_CLIENT_ID, scope, resource, grantId },
            ttl,
            now,
          );
          await storage.audit.record({
            type: 'token.issued',
            userId: user.id,
            clientId: CLI_CLIENT_ID,
            detail: { grantType: 'command_line', via: 'gatehouse token', operator: operator(), grantId, scope: scope.join(' '), resource, expiresIn: ttl },
          });
          if (options.json) return printJson({ access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope: scope.join(' '), resource });
          // The token alone on stdout, so `TOKEN=$(gatehouse token --user alice)` works.
          process.stdout.write(accessToken + '\n');
          process.stderr.write(
            `Access token for ${user.username} at ${resource} (${scope.join(' ')}), valid until ${localTime(now + ttl * 1000)}; ` +
              `end it with \`gatehouse grants revoke ${grantId}\`\n`,
          );
        });
      }),
    );
}

function scopesOf(given: string[] | undefined): string[] {
  if (given === undefined) return [...MCP_SCOPES];
  const scopes = [...new Set(given.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean))];
  const unknown = scopes.filter((scope) => !(MCP_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0 || scopes.length === 0)
    throw new InvalidUsage(`--scope takes ${MCP_SCOPES.join(', ')}${unknown.length > 0 ? `, not ${unknown.join(', ')}` : ''}`);
  return scopes;
}

function ttlOf(given: string | undefined, maxSeconds: number): number {
  if (given === undefined) return Math.min(DEFAULT_TTL_SECONDS, maxSeconds);
  let seconds: number;
  try {
    seconds = parseDuration(given);
  } catch (error) {
    throw new InvalidUsage(`--ttl: ${(error as Error).message}`);
  }
  if (seconds > maxSeconds) throw new InvalidUsage(`--ttl must be at most ${maxSeconds} seconds (1h, and no longer than ACCESS_TOKEN_TTL)`);
  return seconds;
}

/** The command line's client, created the first time; a client of that id made for something else is not used. */
async function ensureClient(storage: Storage): Promise<void> {
  const existing = await storage.clients.find(CLI_CLIENT_ID);
  if (existing) {
    if (existing.metadata.redirect_uris.length > 0 || existing.metadata.grant_types.length > 0)
      throw new Refused(`a client ${CLI_CLIENT_ID} exists that is not the command line's: remove it with \`gatehouse clients remove ${CLI_CLIENT_ID}\``);
    return;
  }
  const metadata = { redirect_uris: [], token_endpoint_auth_method: 'none' as const, grant_types: [], response_types: [] };
  await storage.clients.put({ clientId: CLI_CLIENT_ID, kind: 'preregistered', secretHash: null, metadata }, Date.now());
  await storage.audit.record({ type: 'client.registered', clientId: CLI_CLIENT_ID, detail: { via: 'gatehouse token' } });
}

/** Who ran the command, as the system knows them: the audit trail says which operator acted. */
function operator(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}
