import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../src/bound-metrics.js';

// The same observations through prom-client's own metrics and through the bound ones: a scrape must not tell them apart.
function both() {
  const own = new Registry();
  const bound = new Registry();
  const options = { name: 'demo_requests_total', help: 'Requests by route and status', labelNames: ['route', 'status'] as const };
  const buckets = [0.01, 0.1, 1];
  const latency = { name: 'demo_request_duration_seconds', help: 'Request latency', labelNames: ['route'] as const, buckets };
  return {
    own,
    bound,
    prom: {
      counter: new Counter({ ...options, labelNames: [...options.labelNames], registers: [own] }),
      histogram: new Histogram({ ...latency, labelNames: [...latency.labelNames], registers: [own] }),
    },
    ours: {
      counter: new BoundCounter({ ...options, registers: [bound] }),
      histogram: new BoundHistogram({ ...latency, registers: [bound] }),
    },
  };
}

describe('bound metrics', () => {
  it('scrape as prom-client scrapes the same counts, label values escaped, buckets cumulative up to +Inf', async () => {
    const { own, bound, prom, ours } = both();
    const routes = ['/mcp', '/token', 'a "quoted"\\ route\nwith a newline'];
    const seconds = [0.004, 0.01, 0.05, 0.5, 1, 7];
    for (const [i, route] of routes.entries()) {
      for (const [j, value] of seconds.slice(i).entries()) {
        const status = String(200 + j);
        prom.counter.labels(route, status).inc();
        ours.counter.series(route, status).inc();
        prom.histogram.labels(route).observe(value);
        ours.histogram.series(route).observe(value);
      }
    }
    prom.counter.labels('/mcp', '200').inc(5);
    ours.counter.series('/mcp', '200').inc(5);
    const scraped = await bound.metrics();
    assert.equal(scraped, await own.metrics());
    assert.match(scraped, /demo_request_duration_seconds_bucket\{le="0.01",route="\/mcp"\} 2\n/);
    assert.match(scraped, /demo_request_duration_seconds_bucket\{le="\+Inf",route="\/mcp"\} 6\n/);
  });

  it('keeps one series per label set, lists a series found but never moved at zero, and resets in place', async () => {
    const { bound, ours } = both();
    const series = ours.counter.series('/mcp', '401');
    assert.equal(ours.counter.series('/mcp', '401'), series);
    ours.counter.series('/token', '200');
    series.inc();
    assert.match(await bound.metrics(), /demo_requests_total\{route="\/mcp",status="401"\} 1\n.*route="\/token",status="200"\} 0/);
    bound.resetMetrics();
    series.inc(2);
    assert.match(await bound.metrics(), /status="401"\} 2/);
  });

  it('refuses label values that do not match its label names, a counter going down and a value that is not a number', async () => {
    const { bound, ours } = both();
    assert.throws(() => ours.counter.series('/mcp'), /demo_requests_total takes 2 label values/);
    assert.throws(() => ours.counter.series('/mcp', '200').inc(-1), /a counter cannot move by -1/);
    assert.throws(() => ours.counter.series('/mcp', '200').inc(NaN), /a counter cannot move by NaN/);
    assert.throws(() => ours.histogram.series('/mcp').observe(NaN), /a histogram cannot observe NaN/);
    assert.throws(() => ours.histogram.series('/mcp').observe(Infinity), /a histogram cannot observe Infinity/);
    const scraped = await bound.metrics();
    assert.match(scraped, /demo_requests_total\{route="\/mcp",status="200"\} 0\n/);
    assert.match(scraped, /demo_request_duration_seconds_sum\{route="\/mcp"\} 0\n/);
  });
});
