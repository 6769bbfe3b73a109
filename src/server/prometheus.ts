/**
 * The few Prometheus metric kinds `/metrics` needs, rendered in the text exposition format
 * (version 0.0.4). Written here rather than pulled in as a dependency: counters, gauges and one
 * histogram are a few dozen lines, and we control label escaping and output order.
 */

export type Labels = Readonly<Record<string, string>>;

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  readonly name: string;
  render(): string[];
}

abstract class LabelledMetric<Value> implements Metric {
  readonly name: string;
  readonly #help: string;
  readonly #type: string;
  protected readonly series = new Map<string, { labels: Labels; value: Value }>();

  constructor(name: string, help: string, type: string) {
    this.name = name;
    this.#help = help;
    this.#type = type;
  }

  protected entry(labels: Labels, initial: () => Value): { labels: Labels; value: Value } {
    const key = labelKey(labels);
    let found = this.series.get(key);
    if (!found) {
      found = { labels, value: initial() };
      this.series.set(key, found);
    }
    return found;
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${escapeHelp(this.#help)}`,
      `# TYPE ${this.name} ${this.#type}`,
      ...this.samples(),
    ];
  }

  protected abstract samples(): string[];
}

export class Counter extends LabelledMetric<number> {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => 0).value += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }

  protected samples(): string[] {
    return [...this.series.values()].map(
      (s) => `${this.name}${formatLabels(s.labels)} ${formatNumber(s.value)}`,
    );
  }
}

/** A gauge whose series are read when scraped, so it never goes stale. */
export class CallbackGauge extends LabelledMetric<number> {
  readonly #read: () => ReadonlyArray<{ labels: Labels; value: number }>;

  constructor(name: string, help: string, read: () => ReadonlyArray<{ labels: Labels; value: number }>) {
    super(name, help, 'gauge');
    this.#read = read;
  }

  protected samples(): string[] {
    return this.#read().map((s) => `${this.name}${formatLabels(s.labels)} ${formatNumber(s.value)}`);
  }
}

export class Histogram extends LabelledMetric<{ buckets: number[]; sum: number; count: number }> {
  readonly #bounds: readonly number[];

  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help, 'histogram');
    this.#bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(value: number, labels: Labels = {}): void {
    const s = this.entry(labels, () => ({ buckets: this.#bounds.map(() => 0), sum: 0, count: 0 })).value;
    this.#bounds.forEach((bound, i) => {
      if (value <= bound) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
    s.sum += value;
    s.count += 1;
  }

  protected samples(): string[] {
    const lines: string[] = [];
    for (const { labels, value } of this.series.values()) {
      this.#bounds.forEach((bound, i) => {
        const le = formatLabels({ ...labels, le: formatNumber(bound) });
        lines.push(`${this.name}_bucket${le} ${value.buckets[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${value.count}`);
      lines.push(`${this.name}_sum${formatLabels(labels)} ${formatNumber(value.sum)}`);
      lines.push(`${this.name}_count${formatLabels(labels)} ${value.count}`);
    }
    return lines;
  }
}

/** Metrics in registration order; `render()` is the body of a `/metrics` response. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    if (this.#metrics.some((m) => m.name === metric.name)) {
      throw new Error(`metric ${metric.name} is registered twice`);
    }
    this.#metrics.push(metric);
    return metric;
  }

  render(): string {
    return `${this.#metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
