// `npm start`: serve Gatehouse over HTTP until SIGINT/SIGTERM, then shut down cleanly: stop accepting, let the
// requests in flight finish (at most SHUTDOWN_TIMEOUT), end open streams, close the pools, exit 0.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ConfigError } from './config.js';
import { createGatehouse, type Gatehouse } from './index.js';
import { listenProblem } from './startup.js';

/** Long-lived streams (subscriptions, SSE) are ended at shutdown rather than waited for. */
const isStream = (request: IncomingMessage) =>
  request.headers['mcp-method'] === 'subscriptions/listen' || (request.method === 'GET' && String(request.headers.accept).includes('text/event-stream'));

export function listen(gatehouse: Gatehouse): { server: Server; shutdown(): Promise<void> } {
  const { config, logger } = gatehouse;
  const server = createServer(gatehouse.requestListener);
  server.listen(config.port, config.host, () => {
    logger.info({ url: config.baseUrl, mcp: `${config.baseUrl}/mcp`, listen: `${config.host}:${config.port}` }, 'Gatehouse is listening');
  });
  let inFlight = 0;
  server.on('request', (request: IncomingMessage, response) => {
    if (isStream(request)) return;
    inFlight++;
    response.once('close', () => inFlight--);
  });

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      const deadline = Date.now() + config.shutdownTimeoutMs;
      // Other instances take over this one's upstream sessions as their calls in flight end.
      gatehouse.gateway?.drain();
      server.close();
      server.closeIdleConnections();
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      if (inFlight > 0) logger.warn({ inFlight }, 'shutdown timeout: closing requests still in flight');
      await gatehouse.close(); // ends subscription streams, stops timers, closes database and Redis
      server.closeAllConnections();
    })());
  return { server, shutdown };
}

export async function startServer(): Promise<void> {
  let gatehouse: Gatehouse;
  try {
    gatehouse = await createGatehouse();
  } catch (error) {
    // What the operator can fix is one line each (every invalid setting at once), never a stack trace.
    if (error instanceof ConfigError) {
      process.stderr.write(error.problems.map((problem) => `gatehouse: ${problem}\n`).join(''));
      process.exit(1);
    }
    throw error;
  }
  const { config, logger } = gatehouse;
  const { server, shutdown } = listen(gatehouse);
  const onListenError = (error: Error) => {
    const problem = listenProblem(error, config.host, config.port);
    if (!problem) throw error;
    process.stderr.write(`gatehouse: ${problem}\n`);
    void gatehouse
      .close()
      .catch(() => undefined)
      .then(() => process.exit(1));
  };
  server.once('error', onListenError);
  server.once('listening', () => server.off('error', onListenError));
  // However Gatehouse ends, its upstream servers' processes end with it.
  process.once('exit', () => gatehouse.gateway?.sessions.killNow());
  if (gatehouse.generatedAdminPassword) {
    process.stdout.write(
      `\n  First start: created user "${config.admin.username}" with password ${gatehouse.generatedAdminPassword}\n` +
        '  It is shown this once; set ADMIN_PASSWORD before the first start to choose it yourself.\n\n',
    );
  } else if (gatehouse.createdFirstUser) {
    process.stdout.write(`\n  First start: created user "${config.admin.username}" with the password from ADMIN_PASSWORD\n\n`);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      shutdown().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

// Run when executed directly (npm start); the CLI imports startServer instead.
if (import.meta.url === `file://${process.argv[1]}`) await startServer();
