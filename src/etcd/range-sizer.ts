/** The most keys the first request of a page asks for, before this page's entry sizes are known. */
const MAX_FIRST_ASK = 128;
/** The most keys one request asks for, however small the entries. */
const MAX_ASK = 10_000;
/** Weight of the newest answer in the running bytes-per-entry estimate. */
const EWMA_WEIGHT = 0.2;

/**
 * How many keys each request of a byte-bounded range page asks for. Pure: the store reports what
 * it read and asks what to request next.
 *
 * etcd cannot cap an answer in bytes, only in keys, and it builds the whole answer in memory
 * before sending it. So the first request of a page asks for a modest number of keys, sized from
 * a running estimate of bytes per entry (and never more than 128: a prefix of 1 MiB records after
 * thousands of small ones must not cost etcd a gigabyte), and later requests ask for what the
 * bytes seen so far say still fits in the page.
 */
export class RangeSizer {
  readonly pageBytes: number;
  #bytesPerEntry = 1024;

  constructor(pageBytes: number) {
    this.pageBytes = pageBytes;
  }

  /** The running estimate of an entry's key and value bytes. */
  get bytesPerEntry(): number {
    return this.#bytesPerEntry;
  }

  /** Keys for the first request of a page that may return up to `want` entries. */
  firstAsk(want: number): number {
    const fit = Math.floor(this.pageBytes / (2 * this.#bytesPerEntry));
    return clamp(fit, 1, Math.min(want, MAX_FIRST_ASK));
  }

  /**
   * Keys for the next request of a page that holds `have` entries of `bytes` so far, or 0 when
   * the page is full (in keys or in bytes).
   */
  nextAsk(have: number, bytes: number, want: number): number {
    if (have >= want || bytes >= this.pageBytes) return 0;
    const average = have > 0 ? bytes / have : this.#bytesPerEntry;
    const fit = Math.floor((this.pageBytes - bytes) / Math.max(average, 1));
    return clamp(fit, 1, Math.min(want - have, MAX_ASK));
  }

  /** An answer was too large to receive: fewer keys next time, and a larger estimate. */
  shrink(ask: number): number {
    const next = Math.max(1, Math.floor(ask / 8));
    this.#bytesPerEntry = Math.max(this.#bytesPerEntry, this.pageBytes / Math.max(next, 1));
    return next;
  }

  /** One answer's entries and bytes, for the estimate. */
  observe(entries: number, bytes: number): void {
    if (entries === 0) return;
    const average = bytes / entries;
    this.#bytesPerEntry = this.#bytesPerEntry * (1 - EWMA_WEIGHT) + average * EWMA_WEIGHT;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, value));
}
