#!/usr/bin/env node
// `gatehouse`: run the server, and manage what it stores.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { auditCommand } from './audit.js';
import { clientsCommand } from './clients.js';
import { keysCommand } from './keys.js';
import { runCommand } from './run.js';

const program = new Command()
  .name('gatehouse')
  .description('A remote MCP server with its own OAuth 2.1 authorization server')
  .version(VERSION)
  .showHelpAfterError();

program
  .command('start')
  .description('serve Gatehouse (the same as npm start)')
  .action(() => runCommand(async () => (await import('../server.js')).startServer()));

program.addCommand(clientsCommand());
program.addCommand(keysCommand());
program.addCommand(auditCommand());

await program.parseAsync();
