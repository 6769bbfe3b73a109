import type { Clock } from '../../common/clock.js';
import { MetricRing, readingOf } from './metric-ring.js';

/** How often the dashboard's charts read the metrics. */
export const SAMPLE_INTERVAL_MS = 5_000;
/** Points kept: 10 minutes at one per 5 s (each point is a few numbers). */
export const SAMPLE_CAPACITY = 120;

/** A running sampler; `stop` ends it. */
export interface MetricSampler {
  readonly ring: MetricRing;
  readonly intervalMs: number;
  stop(): void;
}

/**
 * Reads the registry's `/metrics` text every `intervalMs` into a ring of chart points. Reading
 * renders the in-memory metrics only (the instance counts it contains are the last cached scan,
 * never a new one), so it costs microseconds. A reading that throws is reported to `warn` and
 * the next one is taken on time.
 */
export function startMetricSampler(options: {
  render: () => string;
  clock: Clock;
  warn: (error: Error) => void;
  intervalMs?: number;
  capacity?: number;
}): MetricSampler {
  const intervalMs = options.intervalMs ?? SAMPLE_INTERVAL_MS;
  const ring = new MetricRing(options.capacity ?? SAMPLE_CAPACITY);
  const { clock } = options;
  let cancel: (() => void) | undefined;
  let stopped = false;
  const sample = (): void => {
    if (stopped) return;
    try {
      const now = clock.now();
      ring.add(readingOf(options.render(), now));
    } catch (error) {
      options.warn(error instanceof Error ? error : new Error(String(error)));
    }
    cancel = clock.schedule(clock.now() + intervalMs, sample);
  };
  sample();
  return {
    ring,
    intervalMs,
    stop() {
      stopped = true;
      cancel?.();
    },
  };
}
