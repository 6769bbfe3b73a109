/**
 * Lateness counted in fixed buckets, so replicas firing thousands of triggers a second can send
 * their lateness to the bench process as a few dozen counts instead of every sample, and the
 * bench can merge replicas and minutes. Buckets: 1 ms up to 100 ms, 10 ms up to 1 s, 100 ms up
 * to 60 s, then one overflow bucket; a percentile reads as its bucket's upper edge.
 */
const EDGES: number[] = (() => {
  const edges: number[] = [];
  for (let ms = 1; ms <= 100; ms += 1) edges.push(ms);
  for (let ms = 110; ms <= 1_000; ms += 10) edges.push(ms);
  for (let ms = 1_100; ms <= 60_000; ms += 100) edges.push(ms);
  return edges;
})();

export type HistogramCounts = Record<number, number>;

export class LatencyHistogram {
  /** Bucket index -> count; sparse, since most lateness falls in a handful of buckets. */
  counts: Map<number, number> = new Map();
  total = 0;
  max = 0;

  observe(ms: number): void {
    const value = Math.max(0, ms);
    this.#add(bucketOf(value), 1);
    this.max = Math.max(this.max, value);
  }

  /** Adds another histogram's counts (another replica, another report). */
  merge(counts: HistogramCounts, max: number): void {
    for (const [bucket, n] of Object.entries(counts)) this.#add(Number(bucket), n);
    this.max = Math.max(this.max, max);
  }

  /** The upper edge of the bucket holding the p-th percentile (p in 0..100); NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket) ?? 0;
      if (seen >= rank) return Math.min(EDGES[bucket] ?? this.max, this.max);
    }
    return this.max;
  }

  toJSON(): { counts: HistogramCounts; max: number } {
    return { counts: Object.fromEntries(this.counts), max: this.max };
  }

  #add(bucket: number, n: number): void {
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
    this.total += n;
  }
}

function bucketOf(ms: number): number {
  let lo = 0;
  let hi = EDGES.length;
  // First edge >= ms (binary search); past the last edge is the overflow bucket.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((EDGES[mid] ?? Infinity) >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
