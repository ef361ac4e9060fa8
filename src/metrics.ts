// Prometheus metrics (prom-client) at /metrics: requests and their latency per route, tokens issued, refusals by
// reason, OAuth errors, MCP tool calls and their errors, active grants, and the process's own figures. Each
// Gatehouse has its own registry, so several can live in one process (tests, embedding) without clashing. Counters
// and histograms are bound ones (bound-metrics.ts): requests move them, and each label set is found once.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram, type CounterSeries, type HistogramSeries } from './bound-metrics.js';
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
  private readonly requests = new BoundCounter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new BoundHistogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly tokens = new BoundCounter({
    name: 'gatehouse_tokens_issued_total',
    help: 'Access tokens issued, by grant type',
    labelNames: ['grant_type'],
    registers: [this.registry],
  });
  private readonly authFailures = new BoundCounter({
    name: 'gatehouse_auth_failures_total',
    help: 'Refused authentications: bearer tokens at /mcp, sign-ins, replayed codes and refresh tokens',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly oauthErrors = new BoundCounter({
    name: 'gatehouse_oauth_errors_total',
    help: 'OAuth error responses by error code',
    labelNames: ['error'],
    registers: [this.registry],
  });
  private readonly toolCalls = new BoundCounter({
    name: 'gatehouse_mcp_tool_calls_total',
    help: 'MCP tool calls by tool and outcome',
    labelNames: ['tool', 'outcome'],
    registers: [this.registry],
  });
  private readonly quirks = new BoundCounter({
    name: 'gatehouse_mcp_client_quirks_total',
    help: 'MCP requests read as the client meant them despite headers that disagree with the body, by quirk',
    labelNames: ['quirk'],
    registers: [this.registry],
  });

  private readonly upstreamRequests = new BoundCounter({
    name: 'gatehouse_upstream_requests_total',
    help: 'Requests relayed to upstream MCP servers, by server, method and outcome (ok, error, refused, input_required)',
    labelNames: ['server', 'method', 'outcome'],
    registers: [this.registry],
  });
  private readonly upstreamLatency = new BoundHistogram({
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

  private readonly forwards = new BoundCounter({
    name: 'gatehouse_gateway_forwards_total',
    help: "Calls forwarded to the instance that runs the user's upstream process, by server and outcome (ok, error, unreachable)",
    labelNames: ['server', 'outcome'],
    registers: [this.registry],
  });
  private readonly forwardLatency = new BoundHistogram({
    name: 'gatehouse_gateway_forward_duration_seconds',
    help: 'How long forwarded calls took, the owner instance and its upstream included',
    labelNames: ['server'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly takeovers = new BoundCounter({
    name: 'gatehouse_gateway_lease_takeovers_total',
    help: 'Sessions this instance took over after their owner instance stopped answering or moved them (a crash, a restart)',
    labelNames: ['server'],
    registers: [this.registry],
  });

  constructor(storage: Pick<Storage, 'db'>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_' });
    // Every quirk is listed at zero from the start, so an operator sees which behaviours exist before one occurs.
    for (const quirk of Object.keys(CLIENT_QUIRKS) as ClientQuirk[]) this.quirks.series(quirk);
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

  /** The series each (method, route, status) counts in, found once per request by one lookup. */
  private readonly series = new Map<string, { count: CounterSeries; latency: HistogramSeries }>();

  /** `route` is the matched pattern, and methods are what Node's parser accepts, so the series stay few. */
  request(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { count: this.requests.series(method, route, String(status)), latency: this.latency.series(method, route) }));
    series.count.inc();
    series.latency.observe(seconds);
  }

  /** Counts what the audit trail records: tokens issued, and failures worth alerting on. */
  audited(event: Pick<AuditEvent, 'type' | 'detail'>): void {
    if (event.type === 'token.issued') this.tokens.series(String(event.detail?.grantType ?? 'unknown')).inc();
    const failure = FAILURE_EVENTS[event.type];
    if (failure) this.authFailures.series(failure).inc();
  }

  /** A refused bearer token, by the stable reason the refusal carries (`missing_token`, `expired`, `audience`…). */
  refused(reason: string): void {
    this.authFailures.series(reason).inc();
  }

  oauthError(code: string): void {
    this.oauthErrors.series(code).inc();
  }

  clientQuirk(quirk: ClientQuirk): void {
    this.quirks.series(quirk).inc();
  }

  toolCall(tool: string, outcome: 'ok' | 'error'): void {
    this.toolCalls.series(tool, outcome).inc();
  }

  upstreamRequest(server: string, method: string, outcome: 'ok' | 'error' | 'refused' | 'input_required', seconds: number): void {
    this.upstreamRequests.series(server, method, outcome).inc();
    this.upstreamLatency.series(server, method).observe(seconds);
  }

  upstreamProcesses(server: string, count: number): void {
    this.upstreamSessions.set({ server }, count);
  }

  forwarded(server: string, outcome: 'ok' | 'error' | 'unreachable', seconds: number): void {
    this.forwards.series(server, outcome).inc();
    this.forwardLatency.series(server).observe(seconds);
  }

  leaseTakeover(server: string): void {
    this.takeovers.series(server).inc();
  }
}
