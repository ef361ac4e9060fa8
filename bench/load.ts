// Load generation with autocannon: a warm-up, then measured runs whose figures are averaged. One connection is timed
// here instead, request by request: autocannon keeps whole milliseconds, and a call alone takes about one.
import autocannon from 'autocannon';
import { Agent, request as httpRequest } from 'node:http';

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Varies each request (a fresh code, another token); return the request to send. */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
  onResponse?: (status: number, body: string) => void;
}

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  /** Responses with another status than the scenario expects. */
  unexpected: number;
}

export interface LoadOptions {
  connections: number;
  durationSeconds?: number;
  amount?: number;
  expectStatus: number;
}

export async function runLoad(url: string, spec: RequestSpec, options: LoadOptions): Promise<LoadFigures> {
  if (options.connections === 1) return runOneAtATime(url, spec, options);
  let unexpected = 0;
  const started = performance.now();
  let lastAnswer = started;
  const result = await autocannon({
    url,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationSeconds ?? 5 }),
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        ...(spec.body !== undefined && { body: spec.body }),
        ...(spec.setupRequest && { setupRequest: spec.setupRequest }),
        onResponse: (status: number, body: string) => {
          lastAnswer = performance.now();
          if (status !== options.expectStatus) unexpected++;
          spec.onResponse?.(status, body);
        },
      },
    ],
  });
  // A fixed amount finishes within a few seconds: count it from the start to the last answer (autocannon itself
  // only stops on its next one-second tick), not by per-second samples.
  const seconds = (lastAnswer - started) / 1000;
  const rps = options.amount !== undefined ? result.requests.total / seconds : result.requests.average;
  return { rps, p50: result.latency.p50, p99: result.latency.p99, unexpected: unexpected + result.errors + result.timeouts };
}

/** One request at a time on one kept-alive connection, each timed to the microsecond from its start to its last byte. */
async function runOneAtATime(url: string, spec: RequestSpec, options: LoadOptions): Promise<LoadFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let unexpected = 0;
  const started = performance.now();
  const done = () => (options.amount !== undefined ? latencies.length >= options.amount : performance.now() - started >= (options.durationSeconds ?? 5) * 1000);
  try {
    while (!done()) {
      const sent = performance.now();
      const { status, body } = await send(url, spec, agent);
      latencies.push(performance.now() - sent);
      if (status !== options.expectStatus) unexpected++;
      spec.onResponse?.(status, body);
    }
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  return { rps: sorted.length / seconds, p50: at(0.5), p99: at(0.99), unexpected };
}

/** Sends `spec` (as its setupRequest varies it, as autocannon would) and reads the whole answer. */
function send(url: string, spec: RequestSpec, agent: Agent): Promise<{ status: number; body: string }> {
  const { method, path, headers, body } = spec.setupRequest ? spec.setupRequest({ ...spec } as autocannon.Request) : spec;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(new URL(path!, url), { method, headers, agent }, (response) => {
      let answer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (answer += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: answer }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export interface Target {
  url: string;
  spec: RequestSpec;
  expectStatus: number;
}

/**
 * Measures servers in turns: a warm-up of each (discarded), then the first run of each, the second of each, and so
 * on, averaged per server. A shared machine that slows down or speeds up during the bench then affects them alike,
 * which keeps the ratios between them steadier than the figures themselves.
 */
export async function measureInTurns(
  targets: Target[],
  options: Omit<LoadOptions, 'expectStatus'> & { runs: number; warmupSeconds: number },
): Promise<LoadFigures[]> {
  for (const target of targets)
    await runLoad(target.url, target.spec, { ...options, durationSeconds: options.warmupSeconds, expectStatus: target.expectStatus });
  const runs: LoadFigures[][] = targets.map(() => []);
  for (let i = 0; i < options.runs; i++) {
    for (const [index, target] of targets.entries())
      runs[index]!.push(await runLoad(target.url, target.spec, { ...options, expectStatus: target.expectStatus }));
  }
  return runs.map((measured) => {
    const mean = (pick: (figures: LoadFigures) => number) => measured.reduce((sum, run) => sum + pick(run), 0) / measured.length;
    return { rps: mean((r) => r.rps), p50: mean((r) => r.p50), p99: mean((r) => r.p99), unexpected: measured.reduce((sum, run) => sum + run.unexpected, 0) };
  });
}
