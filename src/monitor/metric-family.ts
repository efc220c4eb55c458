// Counter and histogram families for the per-request hot path, exposed through a prom-client Registry.
//
// prom-client's own Counter and Histogram validate and hash a labels object on every call, and its histogram
// keys buckets by their float bound (a number-to-string conversion per observation): about 2.5 µs for the
// handful of series one request touches. Here a label set is resolved once through a trie of Maps keyed by the
// label values themselves (no key strings built per call) into a series object that the caller increments
// directly, and histogram buckets are a Float64Array. prom-client still renders everything: a Registry only
// calls `get()` (and `reset()`) on what is registered, so these families supply that shape.

import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string | number>;

/** One exported sample, in the shape prom-client's Registry formats. */
interface Sample {
  value: number;
  labels: Labels;
  metricName?: string;
}

interface Exposition {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

export class CounterSeries {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

export class HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

interface Node<S> {
  children: Map<string, Node<S>>;
  series: S | undefined;
}

abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly string[];
  private root: Node<S> = { children: new Map(), series: undefined };
  protected all: Array<{ labels: Labels; series: S }> = [];

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    // The Registry's contract with a metric is `name`, `get()` and `reset()`; its typing names only its own
    // classes, hence the cast.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for these label values, in `labelNames` order; created on first use. */
  at(...values: string[]): S {
    let node = this.root;
    for (const value of values) {
      let next = node.children.get(value);
      if (next === undefined) {
        next = { children: new Map(), series: undefined };
        node.children.set(value, next);
      }
      node = next;
    }
    if (node.series === undefined) {
      if (values.length !== this.labelNames.length)
        throw new RangeError(`${this.name} takes ${this.labelNames.length} label values`);
      const labels: Labels = {};
      this.labelNames.forEach((label, i) => {
        labels[label] = values[i]!;
      });
      node.series = this.create();
      this.all.push({ labels, series: node.series });
    }
    return node.series;
  }

  reset(): void {
    this.root = { children: new Map(), series: undefined };
    this.all = [];
  }

  async get(): Promise<Exposition> {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: this.samples() };
  }

  protected abstract readonly type: Exposition['type'];
  protected abstract create(): S;
  protected abstract samples(): Sample[];
}

export class CounterFamily extends Family<CounterSeries> {
  protected readonly type = 'counter';

  protected create(): CounterSeries {
    return new CounterSeries();
  }

  protected samples(): Sample[] {
    return this.all.map(({ labels, series }) => ({ labels, value: series.value }));
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  protected readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[],
    bounds: number[],
  ) {
    super(registry, name, help, labelNames);
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  protected samples(): Sample[] {
    const out: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, series } of this.all) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += series.counts[i]!;
        out.push({ metricName: bucket, labels: { ...labels, le }, value: cumulative });
      });
      out.push({ metricName: bucket, labels: { ...labels, le: '+Inf' }, value: series.count });
      out.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
      out.push({ metricName: `${this.name}_count`, labels, value: series.count });
    }
    return out;
  }
}
