// Load generation with autocannon: a warm-up, then measured runs whose figures are averaged.
import autocannon from 'autocannon';

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
