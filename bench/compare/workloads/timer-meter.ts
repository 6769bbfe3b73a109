/**
 * Counts deliveries of the benchmark's timers (ids `<prefix><index>`): lateness (delivery time −
 * due time, taken in the handler), early and duplicate deliveries, and first/last delivery times.
 */
import { summarize } from '../../lib/stats.js';

export class TimerMeter {
  readonly #prefix: string;
  readonly #seen: Uint8Array;
  readonly #lateness: Float64Array;
  fired = 0;
  early = 0;
  duplicates = 0;
  foreign = 0;
  firstAt = Infinity;
  lastAt = 0;
  #waiter: { n: number; resolve: () => void } | undefined;

  constructor(prefix: string, capacity: number) {
    this.#prefix = prefix;
    this.#seen = new Uint8Array(capacity);
    this.#lateness = new Float64Array(capacity);
  }

  /** The handler-side hook; pass to TimerEngine.start. */
  readonly onFire = (id: string, dueAtMs: number, nowMs: number): void => {
    const index = id.startsWith(this.#prefix) ? Number(id.slice(this.#prefix.length)) : Number.NaN;
    if (!Number.isInteger(index) || index < 0 || index >= this.#seen.length) {
      this.foreign++;
      return;
    }
    if (nowMs < dueAtMs) this.early++;
    if (this.#seen[index] === 1) {
      this.duplicates++;
      return;
    }
    this.#seen[index] = 1;
    this.#lateness[this.fired] = nowMs - dueAtMs;
    this.fired++;
    if (nowMs < this.firstAt) this.firstAt = nowMs;
    if (nowMs > this.lastAt) this.lastAt = nowMs;
    if (this.#waiter && this.fired >= this.#waiter.n) {
      this.#waiter.resolve();
      this.#waiter = undefined;
    }
  };

  /** Resolves once `n` distinct timers fired, or after `timeoutMs` (then fewer fired). */
  async until(n: number, timeoutMs: number): Promise<boolean> {
    if (this.fired >= n) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => {
        this.#waiter = { n, resolve: () => resolve(true) };
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#waiter = undefined;
    return done;
  }

  lateness(): { p50: number; p99: number; max: number } {
    const s = summarize(Array.from(this.#lateness.subarray(0, this.fired)));
    return { p50: s.p50, p99: s.p99, max: s.max };
  }
}

/**
 * Untimed warm-up of a started engine: a few timers due at once, awaited (connections, JIT, the
 * peer's first-invocation costs). Its ids (`warm<i>`) are foreign to the benchmark's meter.
 */
export async function warmUp(
  engine: { scheduleOneShots(t: ReadonlyArray<{ id: string; dueAtMs: number }>): Promise<void> },
  fired: () => number,
  count = 20,
): Promise<void> {
  const before = fired();
  await engine.scheduleOneShots(
    Array.from({ length: count }, (_, i) => ({ id: `warm${i}`, dueAtMs: Date.now() })),
  );
  const deadline = Date.now() + 30_000;
  while (fired() - before < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
