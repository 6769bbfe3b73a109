import { parsePrometheusText, sumOf, type MetricSample } from './prometheus-text.js';

/**
 * The dashboard's charts: trigger rate and lateness percentiles over the last minutes, computed
 * from consecutive readings of the same counters and histogram `/metrics` exports (the
 * difference between two readings is what happened in between). Pure: the caller reads the
 * metrics text and the clock.
 */

/** What one reading of `/metrics` holds that the charts need. */
export interface MetricReading {
  /** Milliseconds since the epoch. */
  at: number;
  triggers: number;
  failed: number;
  steps: number;
  /** `tickflow_trigger_lateness_seconds` buckets summed over targets: upper bound → cumulative count. */
  lateness: ReadonlyMap<number, number>;
  staged: number;
  /** The largest `tickflow_trigger_oldest_overdue_seconds` of this replica's partitions. */
  oldestOverdueSeconds: number;
}

/** Lateness percentiles in seconds, or null when no tick was first attempted in the interval. */
export interface LatenessPercentiles {
  p50: number;
  p90: number;
  p99: number;
}

/** One point of the charts: what happened between the reading before and the one at `at`. */
export interface MetricPoint {
  /** ISO 8601 time of the reading that ends the interval. */
  at: string;
  /** Length of the interval in seconds. */
  seconds: number;
  /** Trigger attempts per second (every target and result). */
  triggerRate: number;
  /** Failed trigger attempts per second. */
  failedRate: number;
  /** Workflow steps committed per second. */
  stepRate: number;
  lateness: LatenessPercentiles | null;
  /** Triggers staged at the end of the interval. */
  staged: number;
  oldestOverdueSeconds: number;
}

/** The figures of one `/metrics` text. */
export function readingOf(text: string, at: number): MetricReading {
  const samples = parsePrometheusText(text);
  return {
    at,
    triggers: sumOf(samples, 'tickflow_jobs_triggered_total'),
    failed: sumOf(samples, 'tickflow_jobs_failed_total'),
    steps: sumOf(samples, 'tickflow_workflow_steps_total'),
    lateness: bucketsOf(samples, 'tickflow_trigger_lateness_seconds_bucket'),
    staged: sumOf(samples, 'tickflow_jobs_staged'),
    oldestOverdueSeconds: Math.max(
      0,
      ...samples.filter((s) => s.name === 'tickflow_trigger_oldest_overdue_seconds').map((s) => s.value),
    ),
  };
}

/** The chart point for the interval from `before` to `after`. */
export function pointBetween(before: MetricReading, after: MetricReading): MetricPoint {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000);
  // A counter never goes down within one process; clamp anyway so a reset cannot draw a negative rate.
  const rate = (a: number, b: number): number => Math.max(0, b - a) / seconds;
  const delta = new Map<number, number>();
  for (const [bound, count] of after.lateness) {
    delta.set(bound, Math.max(0, count - (before.lateness.get(bound) ?? 0)));
  }
  return {
    at: new Date(after.at).toISOString(),
    seconds,
    triggerRate: rate(before.triggers, after.triggers),
    failedRate: rate(before.failed, after.failed),
    stepRate: rate(before.steps, after.steps),
    lateness: percentiles(delta),
    staged: after.staged,
    oldestOverdueSeconds: after.oldestOverdueSeconds,
  };
}

/** p50, p90 and p99 of cumulative buckets, or null when they count nothing. */
export function percentiles(buckets: ReadonlyMap<number, number>): LatenessPercentiles | null {
  const p50 = histogramQuantile(0.5, buckets);
  const p90 = histogramQuantile(0.9, buckets);
  const p99 = histogramQuantile(0.99, buckets);
  if (p50 === undefined || p90 === undefined || p99 === undefined) return null;
  return { p50, p90, p99 };
}

/**
 * The q-quantile of a histogram given as cumulative counts per upper bound, interpolated linearly
 * within the bucket it falls in, as Prometheus' `histogram_quantile` does (and, like it, the
 * largest finite bound when it falls in the `+Inf` bucket). Undefined when the histogram is empty.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | undefined {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + (bound - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

function bucketsOf(samples: readonly MetricSample[], name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const le = s.labels['le'];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + s.value);
  }
  return buckets;
}

/**
 * The last `capacity` points, oldest first: a fixed-size ring, so memory stays bounded however
 * long the server runs.
 */
export class MetricRing {
  /** Points kept at most. */
  readonly capacity: number;
  readonly #points: MetricPoint[] = [];
  #last: MetricReading | undefined;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity} < 1`);
    this.capacity = capacity;
  }

  /** Adds a reading; from the second on, each adds the point of the interval since the last. */
  add(reading: MetricReading): void {
    if (this.#last !== undefined && reading.at > this.#last.at) {
      this.#points.push(pointBetween(this.#last, reading));
      if (this.#points.length > this.capacity) this.#points.shift();
    }
    if (this.#last === undefined || reading.at > this.#last.at) this.#last = reading;
  }

  /** The points, oldest first. */
  points(): MetricPoint[] {
    return [...this.#points];
  }
}
