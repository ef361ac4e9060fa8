// `npm start`: serve Gatehouse over HTTP until SIGINT/SIGTERM, then close cleanly.
import { serve } from '@hono/node-server';
import { ConfigError } from './config.js';
import { createGatehouse, type Gatehouse } from './index.js';

export async function startServer(): Promise<void> {
  let gatehouse: Gatehouse;
  try {
    gatehouse = await createGatehouse();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`gatehouse: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { config, logger } = gatehouse;
  const server = serve({ fetch: gatehouse.fetch, port: config.port, hostname: config.host }, () => {
    logger.info({ url: config.baseUrl, mcp: `${config.baseUrl}/mcp`, listen: `${config.host}:${config.port}` }, 'Gatehouse is listening');
  });
  if (gatehouse.generatedAdminPassword) {
    process.stdout.write(
      `\n  First start: created user "${config.admin.username}" with password ${gatehouse.generatedAdminPassword}\n` +
        '  It is shown this once; set ADMIN_PASSWORD before the first start to choose it yourself.\n\n',
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => process.exit(1), 10_000).unref();
    server.close(async () => {
      await gatehouse.close();
      clearTimeout(deadline);
      process.exit(0);
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

// Run when executed directly (npm start); the CLI imports startServer instead.
if (import.meta.url === `file://${process.argv[1]}`) await startServer();
