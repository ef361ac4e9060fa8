// OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, each request reaches the collector as a server span named by
// its route, continuing the trace a caller's traceparent names.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from './helpers/gatehouse.js';

interface OtlpSpan {
  name: string;
  traceId: string;
  parentSpanId?: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

describe('tracing', () => {
  const spans: OtlpSpan[] = [];
  const collector = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    if (request.url === '/v1/traces') {
      const batch = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of batch.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  let gh: TestGatehouse;

  before(async () => {
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    gh = await startGatehouse({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_SERVICE_NAME: 'gatehouse-test',
    });
  });
  after(() => collector.close());

  it('exports a span per request, named by route, in the caller’s trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await gh.fetch('/.well-known/oauth-protected-resource/mcp', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await gh.fetch('/mcp', { method: 'POST' });
    await gh.close(); // flushes the batch

    const attribute = (span: OtlpSpan, key: string) => span.attributes.find((entry) => entry.key === key)?.value;
    const discovery = spans.find((span) => span.name === 'GET /.well-known/oauth-protected-resource/mcp');
    assert.ok(discovery, `spans: ${spans.map((span) => span.name).join(', ')}`);
    assert.equal(discovery.traceId, traceId);
    assert.equal(discovery.parentSpanId, '00f067aa0ba902b7');
    assert.equal(Number(attribute(discovery, 'http.response.status_code')?.intValue), 200);
    const refused = spans.find((span) => span.name === 'POST /mcp');
    assert.ok(refused);
    assert.equal(Number(attribute(refused, 'http.response.status_code')?.intValue), 401);
    assert.notEqual(refused.traceId, traceId, 'a request without traceparent starts its own trace');
  });
});
