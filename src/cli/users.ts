// `gatehouse users add|list|passwd|disable|enable`: the local accounts, and the people who signed in upstream.
import { Command } from 'commander';
import { randomToken } from '../crypto.js';
import { hashPassword, MIN_PASSWORD_LENGTH, passwordProblem } from '../identity/passwords.js';
import type { Storage } from '../storage/index.js';
import type { User } from '../storage/users.js';
import { InvalidUsage, iso, localTime, printJson, printTable, Refused, runCommand, withStorage } from './run.js';

// The same bound as ADMIN_USERNAME in src/config.ts; passwords are held to passwordProblem (src/identity/passwords.ts).
const MAX_USERNAME_LENGTH = 64;

interface PasswordOptions {
  password?: string;
  passwordStdin?: boolean;
}

export function usersCommand(): Command {
  const users = new Command('users').description('manage the users who can sign in and approve clients');

  users
    .command('add')
    .description('create a user who signs in with a password (generated and shown once unless given)')
    .argument('<username>')
    .option('--password <password>', `the password, at least ${MIN_PASSWORD_LENGTH} characters (visible in the shell history: prefer --password-stdin)`)
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--json', 'print JSON')
    .action((username: string, options: PasswordOptions & { json?: boolean }) =>
      runCommand(async () => {
        checkUsername(username);
        const { password, generated } = await choosePassword(options);
        await withStorage(async (storage) => {
          if (!(await storage.users.createUnlessTaken({ username, passwordHash: await hashPassword(password) }))) {
            throw new Refused(`a user ${username} already exists`);
          }
          const user = (await storage.users.findByUsername(username))!;
          await storage.audit.record({ type: 'user.created', userId: user.id, detail: { username, via: 'command line' } });
          if (options.json) return printJson({ id: user.id, username, created: iso(user.createdAt), ...(generated && { password }) });
          process.stdout.write(`Created user ${username}\n`);
          if (generated) process.stdout.write(`Password (shown once): ${password}\n`);
        });
      }),
    );

  users
    .command('list')
    .description('list users: local accounts and those created by signing in upstream (with their issuer and email)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const users = await storage.users.listWithIdentities();
          if (options.json)
            return printJson(
              users.map((user) => ({
                id: user.id,
                username: user.username,
                created: iso(user.createdAt)!,
                disabled: iso(user.disabledAt),
                identities: user.identities,
              })),
            );
          printTable(
            users.map((user) => ({
              username: user.username,
              created: localTime(user.createdAt),
              disabled: localTime(user.disabledAt),
              identities: user.identities.map((identity) => (identity.email ? `${identity.issuer} (${identity.email})` : identity.issuer)).join(', '),
            })),
          );
        }),
      ),
    );

  users
    .command('passwd')
    .description("set a user's password (generated and shown once unless given) and sign them out everywhere")
    .argument('<username>')
    .option('--password <password>', `the new password, at least ${MIN_PASSWORD_LENGTH} characters (prefer --password-stdin)`)
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--json', 'print JSON')
    .action((username: string, options: PasswordOptions & { json?: boolean }) =>
      runCommand(async () => {
        const { password, generated } = await choosePassword(options);
        await withStorage(async (storage) => {
          const user = await findUser(storage, username);
          const { sessionsEnded } = await storage.users.changePassword(user.id, await hashPassword(password));
          await storage.audit.record({ type: 'user.password_changed', userId: user.id, detail: { via: 'command line', sessionsEnded } });
          if (options.json) return printJson({ username, sessions_ended: sessionsEnded, ...(generated && { password }) });
          process.stdout.write(`Changed the password of ${username}; ${plural(sessionsEnded, 'session')} ended.\n`);
          if (user.disabledAt !== null) process.stdout.write(`${username} is disabled: run \`gatehouse users enable ${username}\` to let them sign in.\n`);
          if (generated) process.stdout.write(`Password (shown once): ${password}\n`);
        });
      }),
    );

  users
    .command('disable')
    .description('stop a user at once: no sign-in, sessions ended, every grant revoked so their tokens stop working')
    .argument('<username>')
    .option('--json', 'print JSON')
    .action((username: string, options: { json?: boolean }) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const user = await findUser(storage, username);
          const now = Date.now();
          // Disabled first, so no new grant is issued to the user while the existing ones are revoked. Repeating the
          // command is safe, and revokes whatever a sign-in racing the first run managed to obtain.
          const { disabled, sessionsEnded } = await storage.users.disable(user.id, now);
          let grantsRevoked = 0;
          for (const grant of await storage.grants.list({ userId: user.id })) {
            // Through the repository, so withStorage announces it over Redis; instances also poll the database.
            if (!(await storage.grants.revoke(grant.id, now))) continue;
            grantsRevoked++;
            await storage.audit.record({
              type: 'grant.revoked',
              userId: user.id,
              clientId: grant.clientId,
              detail: { grantId: grant.id, reason: 'user disabled from the command line' },
            });
          }
          await storage.audit.record({
            type: 'user.disabled',
            userId: user.id,
            detail: { via: 'command line', alreadyDisabled: !disabled, grantsRevoked, sessionsEnded },
          });
          if (options.json)
            return printJson({
              username,
              disabled: iso(disabled ? now : user.disabledAt),
              already_disabled: !disabled,
              grants_revoked: grantsRevoked,
              sessions_ended: sessionsEnded,
            });
          process.stdout.write(
            `${disabled ? 'Disabled' : 'Already disabled:'} ${username}; ${plural(grantsRevoked, 'grant')} revoked, ${plural(sessionsEnded, 'session')} ended.\n`,
          );
        }),
      ),
    );

  users
    .command('enable')
    .description('let a disabled user sign in again (the grants revoked when they were disabled stay revoked)')
    .argument('<username>')
    .action((username: string) =>
      runCommand(() =>
        withStorage(async (storage) => {
          const user = await findUser(storage, username);
          if (!(await storage.users.enable(user.id))) throw new Refused(`user ${username} is not disabled`);
          await storage.audit.record({ type: 'user.enabled', userId: user.id, detail: { via: 'command line' } });
          process.stdout.write(`Enabled ${username}\n`);
        }),
      ),
    );

  return users;
}

export async function findUser(storage: Storage, username: string): Promise<User> {
  const user = await storage.users.findByUsername(username);
  if (!user) throw new Refused(`no user ${username}`);
  return user;
}

// The sign-in form trims what is typed, so a name with outer spaces could never sign in.
function checkUsername(username: string): void {
  if (username.trim() === '') throw new Refused('the username must not be empty');
  if (username !== username.trim()) throw new Refused('the username must not start or end with a space');
  if (username.length > MAX_USERNAME_LENGTH) throw new Refused(`the username must be at most ${MAX_USERNAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(username)) throw new Refused('the username must not contain control characters');
}

async function choosePassword(options: PasswordOptions): Promise<{ password: string; generated: boolean }> {
  if (options.password !== undefined && options.passwordStdin) throw new InvalidUsage('--password and --password-stdin exclude each other');
  const given = options.passwordStdin ? await readFirstLine() : options.password;
  if (given === undefined) return { password: randomToken(15), generated: true };
  const problem = passwordProblem(given);
  if (problem) throw new Refused(`the password ${problem}`);
  return { password: given, generated: false };
}

async function readFirstLine(): Promise<string> {
  if (process.stdin.isTTY) throw new InvalidUsage('--password-stdin reads a piped password, e.g. `printf %s "$PASSWORD" | gatehouse …`');
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text.split(/\r?\n/)[0]!;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
