// Prometheus metrics (prom-client) at /metrics: requests and their latency per route, tokens issued, refusals by
// reason, OAuth errors, MCP tool calls and their errors, active grants, and the process's own figures. Each
// Gatehouse has its own registry, so several can live in one process (tests, embedding) without clashing.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CLIENT_QUIRKS, type ClientQuirk } from './mcp/client-quirks.js';
import type { AuditEvent } from './storage/audit.js';
import type { Storage } from './storage/index.js';

/** Audit events that are authentication failures, by the reason label they count under. */
const FAILURE_EVENTS: Partial<Record<AuditEvent['type'], string>> = {
  'login.failed': 'bad_credentials',
  'login.locked': 'locked_out',
  'login.refused': 'not_allowed',
  'code.replay_detected': 'code_replayed',
  'refresh.reuse_detected': 'refresh_token_reused',
};

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'gatehouse_tokens_issued_total',
    help: 'Access tokens issued, by grant type',
    labelNames: ['grant_type'],
    registers: [this.registry],
  });
  private readonly authFailures = new Counter({
    name: 'gatehouse_auth_failures_total',
    help: 'Refused authentications: bearer tokens at /mcp, sign-ins, replayed codes and refresh tokens',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly oauthErrors = new Counter({
    name: 'gatehouse_oauth_errors_total',
    help: 'OAuth error responses by error code',
    labelNames: ['error'],
    registers: [this.registry],
  });
  private readonly toolCalls = new Counter({
    name: 'gatehouse_mcp_tool_calls_total',
    help: 'MCP tool calls by tool and outcome',
    labelNames: ['tool', 'outcome'],
    registers: [this.registry],
  });
  private readonly quirks = new Counter({
    name: 'gatehouse_mcp_client_quirks_total',
    help: 'MCP requests read as the client meant them despite headers that disagree with the body, by quirk',
    labelNames: ['quirk'],
    registers: [this.registry],
  });

  private readonly upstreamRequests = new Counter({
    name: 'gatehouse_upstream_requests_total',
    help: 'Requests relayed to upstream MCP servers, by server, method and outcome (ok, error, refused, input_required)',
    labelNames: ['server', 'method', 'outcome'],
    registers: [this.registry],
  });
  private readonly upstreamLatency = new Histogram({
    name: 'gatehouse_upstream_request_duration_seconds',
    help: 'How long upstream MCP servers took to answer relayed requests, process start included',
    labelNames: ['server', 'method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly upstreamSessions = new Gauge({
    name: 'gatehouse_upstream_processes',
    help: 'Upstream sessions running, by server: processes for stdio servers, client connections for HTTP ones',
    labelNames: ['server'],
    registers: [this.registry],
  });

  private readonly forwards = new Counter({
    name: 'gatehouse_gateway_forwards_total',
    help: "Calls forwarded to the instance that runs the user's upstream process, by server and outcome (ok, error, unreachable)",
    labelNames: ['server', 'outcome'],
    registers: [this.registry],
  });
  private readonly forwardLatency = new Histogram({
    name: 'gatehouse_gateway_forward_duration_seconds',
    help: 'How long forwarded calls took, the owner instance and its upstream included',
    labelNames: ['server'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly takeovers = new Counter({
    name: 'gatehouse_gateway_lease_takeovers_total',
    help: 'Sessions this instance took over after their owner instance stopped answering or moved them (a crash, a restart)',
    labelNames: ['server'],
    registers: [this.registry],
  });

  constructor(storage: Pick<Storage, 'db'>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
    // Every quirk is listed at zero from the start, so an operator sees which behaviours exist before one occurs.
    for (const quirk of Object.keys(CLIENT_QUIRKS) as ClientQuirk[]) this.quirks.labels(quirk).inc(0);
    new Gauge({
      name: 'gatehouse_active_grants',
      help: 'Grants not revoked (connected apps)',
      registers: [this.registry],
      async collect() {
        const row = await storage.db
          .selectFrom('grants')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('revoked_at', 'is', null)
          .executeTakeFirst()
          .catch(() => undefined);
        if (row) this.set(Number(row.count));
      },
    });
  }

  /** The series each (method, route, status) counts in, found once: prom-client would hash the labels every time. */
  private readonly series = new Map<string, { count: Counter.Internal; latency: Histogram.Internal<string> }>();

  /** `route` is the matched pattern, and methods are what Node's parser accepts, so the series stay few. */
  request(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { count: this.requests.labels(method, route, String(status)), latency: this.latency.labels(method, route) }));
    series.count.inc();
    series.latency.observe(seconds);
  }

  /** Counts what the audit trail records: tokens issued, and failures worth alerting on. */
  audited(event: Pick<AuditEvent, 'type' | 'detail'>): void {
    if (event.type === 'token.issued') this.tokens.inc({ grant_type: String(event.detail?.grantType ?? 'unknown') });
    const failure = FAILURE_EVENTS[event.type];
    if (failure) this.authFailures.inc({ reason: failure });
  }

  /**
   * A refused bearer token, by the stable reason the refusal carries (`missing_token`, `expired`, `audience`…).
   * Refusals can come in floods: each reason's series is found once, like the request series.
   */
  private readonly refusals = new Map<string, Counter.Internal>();

  refused(reason: string): void {
    let series = this.refusals.get(reason);
    if (!series) this.refusals.set(reason, (series = this.authFailures.labels(reason)));
    series.inc();
  }

  oauthError(code: string): void {
    this.oauthErrors.inc({ error: code });
  }

  clientQuirk(quirk: ClientQuirk): void {
    this.quirks.inc({ quirk });
  }

  toolCall(tool: string, outcome: 'ok' | 'error'): void {
    this.toolCalls.inc({ tool, outcome });
  }

  upstreamRequest(server: string, method: string, outcome: 'ok' | 'error' | 'refused' | 'input_required', seconds: number): void {
    this.upstreamRequests.inc({ server, method, outcome });
    this.upstreamLatency.observe({ server, method }, seconds);
  }

  upstreamProcesses(server: string, count: number): void {
    this.upstreamSessions.set({ server }, count);
  }

  forwarded(server: string, outcome: 'ok' | 'error' | 'unreachable', seconds: number): void {
    this.forwards.inc({ server, outcome });
    this.forwardLatency.observe({ server }, seconds);
  }

  leaseTakeover(server: string): void {
    this.takeovers.inc({ server });
  }
}
