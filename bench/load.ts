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

/** One warm-up (discarded), then `runs` measured runs, averaged. */
export async function measure(url: string, spec: RequestSpec, options: LoadOptions & { runs: number; warmupSeconds: number }): Promise<LoadFigures> {
  await runLoad(url, spec, { ...options, durationSeconds: options.warmupSeconds });
  const runs: LoadFigures[] = [];
  for (let i = 0; i < options.runs; i++) runs.push(await runLoad(url, spec, options));
  const mean = (pick: (figures: LoadFigures) => number) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  return { rps: mean((r) => r.rps), p50: mean((r) => r.p50), p99: mean((r) => r.p99), unexpected: runs.reduce((sum, run) => sum + run.unexpected, 0) };
}
