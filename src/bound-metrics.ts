// Counters and histograms for the metrics every request moves, in prom-client's registry and its text format, with
// each label set bound once to a series the request path increments: prom-client itself validates and hashes the
// labels of every observation, its children's too (README, Performance). The registry reads any object with a name,
// a type and `get()`, as it reads its own metrics.
import type { Metric, Registry } from 'prom-client';

/** One line of the exposition: prom-client prints `metricName` (the metric's own name when absent), the labels, then the shared ones. */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
}

interface BoundMetricOptions<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  registers: Registry[];
}

abstract class BoundMetric<Label extends string, Series> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  private readonly labelNames: readonly Label[];
  protected readonly bound = new Map<string, { labels: Record<Label, string>; series: Series }>();

  constructor(options: BoundMetricOptions<Label>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values, in `labelNames` order: found once, kept by whoever moves it often. */
  series(...values: string[]): Series {
    const key = values.join('\u0000');
    let entry = this.bound.get(key);
    if (!entry) {
      if (values.length !== this.labelNames.length) throw new TypeError(`${this.name} takes ${this.labelNames.length} label values`);
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]])) as Record<Label, string>;
      this.bound.set(key, (entry = { labels, series: this.newSeries() }));
    }
    return entry.series;
  }

  /** What the registry reads at each scrape. */
  async get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  /** Back to zero, each series still bound to whoever holds it (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const { series } of this.bound.values()) this.zero(series);
  }

  protected abstract newSeries(): Series;
  protected abstract zero(series: Series): void;
  protected abstract samples(): Sample[];
}

export interface CounterSeries {
  inc(by?: number): void;
}

export class BoundCounter<Label extends string> extends BoundMetric<Label, CounterSeries & { value: number }> {
  readonly type = 'counter' as const;

  protected newSeries() {
    return {
      value: 0,
      inc(by = 1) {
        // As prom-client: a counter only goes up.
        if (!(by >= 0)) throw new TypeError(`a counter cannot move by ${by}`);
        this.value += by;
      },
    };
  }

  protected zero(series: { value: number }) {
    series.value = 0;
  }

  protected samples(): Sample[] {
    return [...this.bound.values()].map(({ labels, series }) => ({ labels, value: series.value }));
  }
}

export interface HistogramSeries {
  observe(value: number): void;
}

interface HistogramCounts extends HistogramSeries {
  /** Observations per bucket, not cumulative; the last one is past every bound (+Inf). */
  readonly buckets: number[];
  sum: number;
  count: number;
}

export class BoundHistogram<Label extends string> extends BoundMetric<Label, HistogramCounts> {
  readonly type = 'histogram' as const;
  private readonly upperBounds: readonly number[];

  constructor(options: BoundMetricOptions<Label> & { buckets: readonly number[] }) {
    super(options);
    this.upperBounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected newSeries(): HistogramCounts {
    const bounds = this.upperBounds;
    return {
      buckets: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      observe(value) {
        if (!Number.isFinite(value)) throw new TypeError(`a histogram cannot observe ${value}`);
        let bucket = 0;
        while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
        this.buckets[bucket]!++;
        this.sum += value;
        this.count++;
      },
    };
  }

  protected zero(series: HistogramCounts) {
    series.buckets.fill(0);
    series.sum = 0;
    series.count = 0;
  }

  protected samples(): Sample[] {
    const values: Sample[] = [];
    for (const { labels, series } of this.bound.values()) {
      let cumulative = 0;
      for (const [i, bound] of [...this.upperBounds, '+Inf' as const].entries()) {
        cumulative += series.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound }, sharedLabels: labels, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: series.count });
    }
    return values;
  }
}
