// Optional OpenTelemetry tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, every request becomes a server span (method,
// route, status, client), continuing the caller's trace when a `traceparent` header names one, exported over
// OTLP/HTTP. The SDK is loaded only then, so a server without a collector pays nothing for it.
import type { Span } from '@opentelemetry/api';
import { VERSION } from './version.js';

export interface RequestSpan {
  end(route: string, status: number, attributes?: Record<string, string | undefined>): void;
}

export interface Tracing {
  begin(method: string, path: string, headers: Headers): RequestSpan;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

export async function startTracing(settings: { endpoint: string | undefined; serviceName: string }): Promise<Tracing | undefined> {
  if (!settings.endpoint) return undefined;
  const [api, { W3CTraceContextPropagator }, { TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // The generic endpoint variable names the collector; traces go to its /v1/traces (OTLP exporter spec).
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': VERSION }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  // Not registered globally: each Gatehouse in a process keeps its own provider.
  const tracer = provider.getTracer('gatehouse', VERSION);
  const propagator = new W3CTraceContextPropagator();
  const getter = { keys: (carrier: Headers) => [...carrier.keys()], get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined };

  return {
    begin(method, path, headers) {
      const parent = propagator.extract(api.ROOT_CONTEXT, headers, getter);
      const span: Span = tracer.startSpan(method, { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
      return {
        end(route, status, attributes = {}) {
          span.updateName(`${method} ${route}`);
          span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
          for (const [key, value] of Object.entries(attributes)) if (value !== undefined) span.setAttribute(key, value);
          if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
