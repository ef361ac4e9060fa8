// `gatehouse keys list|rotate`: the signing keys and their rotation.
import { Command } from 'commander';
import { parseDuration } from '../config.js';
import { rotateKeys } from '../keys/key-store.js';
import { InvalidUsage, iso, localTime, printJson, printTable, runCommand, withStorage } from './run.js';

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage signing keys');

  keys
    .command('list')
    .description('list signing keys: when each signs, and when it leaves the JWKS')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const now = Date.now();
          const keys = (await storage.signingKeys.listAll()).map(({ kid, createdAt, activatesAt, retiredAt }) => ({
            kid,
            status: retiredAt !== null && retiredAt <= now ? 'retired' : activatesAt > now ? 'published, not signing yet' : retiredAt ? 'retiring' : 'signing',
            createdAt,
            activatesAt,
            retiredAt,
          }));
          // JSON as it always was: ISO times, and "" for a key that is not retiring.
          if (options.json)
            return printJson(
              keys.map((key) => ({
                kid: key.kid,
                status: key.status,
                created: iso(key.createdAt),
                signs_from: iso(key.activatesAt),
                retires: iso(key.retiredAt) ?? '',
              })),
            );
          printTable(
            keys.map((key) => ({
              kid: key.kid,
              status: key.status,
              created: localTime(key.createdAt),
              signs_from: localTime(key.activatesAt),
              retires: localTime(key.retiredAt),
            })),
          );
        }),
      ),
    );

  keys
    .command('rotate')
    .description('add a new signing key: published now, signing after a delay; older keys retire once their tokens expire')
    .option('--activate-in <duration>', 'how long the new key is published before it signs (e.g. 10m)', '10m')
    .option('--immediately', 'sign with the new key now and retire the old ones now (a compromised key): their tokens stop working')
    .option('--json', 'print JSON')
    .action((options: { activateIn: string; immediately?: boolean; json?: boolean }) =>
      runCommand(async () => {
        let delay: number;
        try {
          delay = options.immediately ? 0 : parseDuration(options.activateIn) * 1000;
        } catch (error) {
          throw new InvalidUsage(`--activate-in: ${(error as Error).message}`);
        }
        await withStorage(async (storage, config) => {
          const rotation = await rotateKeys(storage.signingKeys, config.jwtSecret, {
            activationDelayMs: delay,
            accessTokenTtlMs: config.ttl.accessToken * 1000,
            retireNow: Boolean(options.immediately),
          });
          await storage.audit.record({
            type: 'key.rotated',
            detail: { kid: rotation.kid, retiring: rotation.retiring, immediately: Boolean(options.immediately) },
          });
          if (options.json) return printJson(rotation);
          process.stdout.write(`New key ${rotation.kid} is published now and signs from ${localTime(rotation.activatesAt)}.\n`);
          if (rotation.retiring.length > 0) process.stdout.write(`Retiring ${rotation.retiring.join(', ')} at ${localTime(rotation.retiresAt)}.\n`);
        });
      }),
    );

  return keys;
}
