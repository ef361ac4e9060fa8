#!/usr/bin/env node
// `gatehouse`: run the server, and manage what it stores.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { auditCommand } from './audit.js';
import { clientsCommand } from './clients.js';
import { doctorCommand } from './doctor.js';
import { grantsCommand } from './grants.js';
import { keysCommand } from './keys.js';
import { configureCommands, opensDatabase, runCommand } from './run.js';
import { serversCommand } from './servers.js';
import { tokenCommand } from './token.js';
import { usersCommand } from './users.js';

const program = new Command()
  .name('gatehouse')
  .description('A remote MCP server with its own OAuth 2.1 authorization server')
  .version(VERSION)
  .addHelpText(
    'after',
    '\nThe commands that manage what Gatehouse stores read the configuration the server\n' +
      'reads (DATABASE_URL, JWT_SECRET, REDIS_URL…) from the environment or from .env in\n' +
      'the working folder, say on stderr which database they opened, and refuse to create\n' +
      'one unless given --create. Commands that print data take --json for scripts.',
  );

program
  .command('start')
  .description('serve Gatehouse over HTTP until SIGINT or SIGTERM (the same as npm start)')
  .action(() => runCommand(async () => (await import('../server.js')).startServer()));

for (const command of [usersCommand(), clientsCommand(), grantsCommand(), keysCommand(), auditCommand(), tokenCommand(), serversCommand()])
  program.addCommand(opensDatabase(command));
program.addCommand(doctorCommand());
configureCommands(program);

await program.parseAsync();
