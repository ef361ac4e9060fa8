// `gatehouse keys list|rotate`: the signing keys and their rotation.
import { Command } from 'commander';
import { parseDuration } from '../config.js';
import { rotateKeys } from '../keys/key-store.js';
import { printTable, runCommand, UsageError, withStorage } from './run.js';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage signing keys');

  keys
    .command('list')
    .description('list signing keys: when each signs, and when it leaves the JWKS')
    .option('--json', 'print JSON')
    .action((options) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const now = Date.now();
          const rows = (await storage.signingKeys.listAll()).map((key) => ({
            kid: key.kid,
            status:
              key.retiredAt !== null && key.retiredAt <= now
                ? 'retired'
                : key.activatesAt > now
                  ? 'published, not signing yet'
                  : key.retiredAt
                    ? 'retiring'
                    : 'signing',
            created: iso(key.createdAt),
            signs_from: iso(key.activatesAt),
            retires: iso(key.retiredAt),
          }));
          if (options.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          printTable(rows);
        }),
      ),
    );

  keys
    .command('rotate')
    .description('add a new signing key: published now, signing after a delay; older keys retire once their tokens expire')
    .option('--activate-in <duration>', 'how long the new key is published before it signs (e.g. 10m)', '10m')
    .option('--immediately', 'sign with the new key now and retire the old ones now (a compromised key): their tokens stop working')
    .option('--json', 'print JSON')
    .action((options) =>
      runCommand(() =>
        withStorage(async (storage, config) => {
          let delay: number;
          try {
            delay = options.immediately ? 0 : parseDuration(options.activateIn) * 1000;
          } catch (error) {
            throw new UsageError(`--activate-in: ${(error as Error).message}`);
          }
          const rotation = await rotateKeys(storage.signingKeys, config.jwtSecret, {
            activationDelayMs: delay,
            accessTokenTtlMs: config.ttl.accessToken * 1000,
            retireNow: Boolean(options.immediately),
          });
          await storage.audit.record({
            type: 'key.rotated',
            detail: { kid: rotation.kid, retiring: rotation.retiring, immediately: Boolean(options.immediately) },
          });
          if (options.json) return void process.stdout.write(JSON.stringify(rotation, null, 2) + '\n');
          process.stdout.write(`New key ${rotation.kid} is published now and signs from ${iso(rotation.activatesAt)}.\n`);
          if (rotation.retiring.length > 0) process.stdout.write(`Retiring ${rotation.retiring.join(', ')} at ${iso(rotation.retiresAt)}.\n`);
        }),
      ),
    );

  return keys;
}
