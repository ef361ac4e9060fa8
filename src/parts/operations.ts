// Operations: the home page a browser sees at the origin, health and readiness for load balancers and
// orchestrators, Prometheus metrics, and the pages' stylesheet and icon.
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { OperationsConfig } from '../config.js';
import { safeEqual } from '../crypto.js';
import { HomePage } from '../pages/home.js';
import { ICON_PATH, ICON_SVG } from '../pages/brand.js';
import { sendPage } from '../pages/respond.js';
import { STYLESHEET } from '../pages/stylesheet.js';
import type { Shared } from './shared.js';

export interface OperationsDeps extends Pick<Shared, 'storage' | 'metrics'> {
  config: OperationsConfig;
  /** Answers false when the shared Redis is unreachable; undefined when there is none. */
  pingRedis?: (() => Promise<boolean>) | undefined;
}

export function mountOperations(app: Hono<AppEnv>, { config, storage, metrics, pingRedis }: OperationsDeps): void {
  // A browser opening the origin gets the home page; any other request there is MCP, as at /mcp.
  app.get('/', (c, next) => ((c.req.header('accept') ?? '').includes('text/html') ? sendPage(c, HomePage({ origin: config.baseUrl })) : next()));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [database, redis] = await Promise.all([storage.ping(), pingRedis?.()]);
    const ready = database && redis !== false;
    return c.json(
      {
        status: ready ? 'ready' : 'unavailable',
        database: database ? 'ok' : 'unreachable',
        ...(redis !== undefined && { redis: redis ? 'ok' : 'unreachable' }),
      },
      ready ? 200 : 503,
    );
  });
  app.get('/metrics', async (c) => {
    // Open unless METRICS_TOKEN is set: the figures are counts, but an operator may not want them public.
    if (config.metricsToken && !safeEqual(c.req.header('authorization') ?? '', `Bearer ${config.metricsToken}`)) {
      return c.json({ error: 'unauthorized', error_description: 'send the METRICS_TOKEN as a bearer token' }, 401, { 'WWW-Authenticate': 'Bearer' });
    }
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });
  app.get('/assets/gatehouse.css', (c) => {
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  // The pages' icon, also where browsers ask for one on their own (/favicon.ico), even beside a JSON answer.
  const icon = (c: Context) =>
    c.body(ICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400', 'Content-Security-Policy': "default-src 'none'" });
  app.get(ICON_PATH, icon);
  app.get('/favicon.ico', icon);
}
