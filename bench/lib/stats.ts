/** Order statistics for benchmark samples. Inputs are never mutated. */

/** The nearest-rank percentile `p` (0-100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted(sorted(values), p);
}

/** As `percentile`, for values already sorted ascending (avoids re-sorting big samples). */
export function percentileOfSorted(sortedValues: readonly number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sortedValues.length);
  return sortedValues[Math.max(rank - 1, 0)] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const s = sorted(values);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = sorted(values);
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    min: s[0] ?? Number.NaN,
    p50: percentileOfSorted(s, 50),
    p90: percentileOfSorted(s, 90),
    p99: percentileOfSorted(s, 99),
    max: s[s.length - 1] ?? Number.NaN,
    mean: s.length > 0 ? sum / s.length : Number.NaN,
  };
}

/**
 * The median of each numeric field over several runs' results (e.g. one object per run), so a
 * report can show one representative row. Non-numeric fields are taken from the first run.
 */
export function medianOfRuns<T extends object>(runs: readonly T[]): T {
  const first = runs[0];
  if (!first) throw new RangeError('medianOfRuns needs at least one run');
  const out: Record<string, unknown> = { ...(first as Record<string, unknown>) };
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'number') {
      out[key] = median(runs.map((r) => (r as Record<string, unknown>)[key] as number));
    }
  }
  return out as T;
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
