/**
 * W8's bookkeeping, free of I/O: reads the replicas' record lines (bench/lib/failover-protocol.ts)
 * and turns them into the figures of one run: lateness by phase, duplicates, missing and early
 * deliveries, workflow iterations and completions, and when the survivors served every partition.
 *
 * Every cron tick and workflow timer is due on a grid fixed when the run is planned, so each
 * delivery maps to one (job, tick) slot: a slot delivered twice is a duplicate, a slot due in the
 * measured span and never delivered is missing. Lateness is that of a slot's first delivery.
 */
import { percentileOfSorted } from '../../lib/stats.js';
import type { Metrics } from '../types.js';

export interface W8Plan {
  jobs: number;
  cronPeriodMs: number;
  /** Job j's first tick is due at cronFirstAt + floor(j * cronPeriodMs / jobs). */
  cronFirstAt: number;
  workflows: number;
  timerPeriodMs: number;
  /** Workflow i's first timer is due at timerFirstAt + floor(i * timerPeriodMs / workflows). */
  timerFirstAt: number;
  /** Slots due from here to endAt are checked; earlier ones are warm-up. */
  measureFrom: number;
  endAt: number;
  partitions: number;
}

/** Where the phases split: before = [measureFrom, killAt), takeover = [killAt, takeoverEnd), after. */
export interface W8Phases {
  killAt: number;
  takeoverEnd: number;
}

export const PHASES = ['before', 'takeover', 'after'] as const;

/** Lateness p99 under this in every later second counts as recovered (W2's bar). */
export const SETTLED_BELOW_MS = 1_000;
/** The series in the results holds the p99 of every this-many-th second from the kill. */
export const SERIES_STEP_S = 5;
export type Phase = (typeof PHASES)[number];

export function cronFirstDue(
  plan: Pick<W8Plan, 'jobs' | 'cronPeriodMs' | 'cronFirstAt'>,
  job: number,
): number {
  return plan.cronFirstAt + Math.floor((job * plan.cronPeriodMs) / plan.jobs);
}

export function timerFirstDue(
  plan: Pick<W8Plan, 'workflows' | 'timerPeriodMs' | 'timerFirstAt'>,
  workflow: number,
): number {
  return plan.timerFirstAt + Math.floor((workflow * plan.timerPeriodMs) / plan.workflows);
}

/** Deliveries of one grid of slots (jobs × ticks, or workflows × iterations). */
class SlotGrid {
  readonly perRow: number;
  readonly counts: Uint16Array;
  /** First delivery time of each slot; 0 = none yet. */
  readonly first: Float64Array;
  duplicates = 0;
  early = 0;
  /** Deliveries that fit no slot: off the grid, or an unknown row. */
  unexpected = 0;

  constructor(
    readonly rows: number,
    readonly periodMs: number,
    readonly firstDue: (row: number) => number,
    endAt: number,
    firstAt: number,
  ) {
    this.perRow = Math.max(1, Math.floor((endAt - firstAt) / periodMs) + 2);
    this.counts = new Uint16Array(rows * this.perRow);
    this.first = new Float64Array(rows * this.perRow);
  }

  dueOf(row: number, tick: number): number {
    return this.firstDue(row) + tick * this.periodMs;
  }

  add(row: number, dueAt: number, at: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) {
      this.unexpected++;
      return;
    }
    const offset = dueAt - this.firstDue(row);
    const tick = offset / this.periodMs;
    if (!Number.isInteger(tick) || tick < 0) {
      this.unexpected++;
      return;
    }
    if (at < dueAt) this.early++;
    // Ticks past the grid are due after the run's end: not checked, not counted.
    if (tick >= this.perRow) return;
    const slot = row * this.perRow + tick;
    const count = this.counts[slot] ?? 0;
    if (count > 0) this.duplicates++;
    else this.first[slot] = at;
    this.counts[slot] = Math.min(count + 1, 0xffff);
  }

  /** Slots due in [from, to] not delivered. */
  missing(from: number, to: number): number {
    let missing = 0;
    this.forEachDue(from, to, (slot) => {
      if ((this.counts[slot] ?? 0) === 0) missing++;
    });
    return missing;
  }

  /** Calls `fn` for each slot due in [from, to], with its due time. */
  forEachDue(from: number, to: number, fn: (slot: number, dueAt: number) => void): void {
    for (let row = 0; row < this.rows; row++) {
      const base = this.firstDue(row);
      const start = Math.max(0, Math.ceil((from - base) / this.periodMs));
      for (let tick = start; tick < this.perRow; tick++) {
        const dueAt = base + tick * this.periodMs;
        if (dueAt > to) break;
        fn(row * this.perRow + tick, dueAt);
      }
    }
  }
}

export class W8Tally {
  readonly plan: W8Plan;
  readonly #cron: SlotGrid;
  readonly #timers: SlotGrid;
  readonly #completed = new Set<number>();
  /** Per replica, its (time, partitions served) reports in the order written. */
  readonly #serving = new Map<number, Array<{ at: number; serving: number }>>();
  delivered = 0;
  malformed = 0;

  constructor(plan: W8Plan) {
    this.plan = plan;
    this.#cron = new SlotGrid(
      plan.jobs,
      plan.cronPeriodMs,
      (j) => cronFirstDue(plan, j),
      plan.endAt,
      plan.cronFirstAt,
    );
    this.#timers = new SlotGrid(
      plan.workflows,
      plan.timerPeriodMs,
      (i) => timerFirstDue(plan, i),
      plan.endAt,
      plan.timerFirstAt,
    );
  }

  /** One record line of replica `replica` (failover-protocol.ts). */
  ingest(replica: number, line: string): void {
    const parts = line.split(' ');
    const n = parts.slice(1).map(Number);
    if (n.some((v) => !Number.isFinite(v))) {
      this.malformed++;
      return;
    }
    switch (parts[0]) {
      case 'c':
        this.delivered++;
        this.#cron.add(n[0] ?? -1, n[1] ?? 0, n[2] ?? 0);
        return;
      case 'a':
        this.#timers.add(n[0] ?? -1, n[2] ?? 0, n[3] ?? 0);
        return;
      case 'w':
        this.#completed.add(n[0] ?? -1);
        return;
      case 'p': {
        const list = this.#serving.get(replica) ?? [];
        list.push({ at: n[0] ?? 0, serving: n[1] ?? 0 });
        this.#serving.set(replica, list);
        return;
      }
      default:
        this.malformed++;
    }
  }

  get completed(): number {
    return this.#completed.size;
  }

  /** Cron ticks due in the measured span not delivered (yet). */
  cronMissing(): number {
    return this.#cron.missing(this.plan.measureFrom, this.plan.endAt);
  }

  /** Workflow timers due in the measured span whose activity has not run (yet). */
  timersMissing(): number {
    return this.#timers.missing(this.plan.measureFrom, this.plan.endAt);
  }

  /** Partitions `replica` served at `at` (its last report at or before then; 0 before any). */
  servingAt(replica: number, at: number): number {
    let serving = 0;
    for (const r of this.#serving.get(replica) ?? []) {
      if (r.at > at) break;
      serving = r.serving;
    }
    return serving;
  }

  /**
   * The first instant at or after `killAt` when the replicas other than `victim` serve every
   * partition between them (owned and loaded), or undefined if they never did.
   */
  takeoverEnd(killAt: number, victim: number): number | undefined {
    const survivors = [...this.#serving.keys()].filter((r) => r !== victim);
    const current = new Map(survivors.map((r) => [r, this.servingAt(r, killAt)]));
    const sum = (): number => [...current.values()].reduce((a, b) => a + b, 0);
    if (sum() >= this.plan.partitions) return killAt;
    const later = survivors
      .flatMap((r) => (this.#serving.get(r) ?? []).filter((e) => e.at > killAt).map((e) => ({ r, ...e })))
      .sort((a, b) => a.at - b.at);
    for (const e of later) {
      current.set(e.r, e.serving);
      if (sum() >= this.plan.partitions) return e.at;
    }
    return undefined;
  }

  /** The run's figures, its measured span split into phases at `phases`. */
  metrics(phases: W8Phases): Metrics {
    const { measureFrom, endAt } = this.plan;
    const phaseOf = (dueAt: number): Phase =>
      dueAt < phases.killAt ? 'before' : dueAt < phases.takeoverEnd ? 'takeover' : 'after';
    const out: Metrics = {};
    for (const [name, grid] of [
      ['cron', this.#cron],
      ['wf', this.#timers],
    ] as const) {
      const lateness: Record<Phase, number[]> = { before: [], takeover: [], after: [] };
      /** Lateness by second of due time, counted from the kill (negative before it). */
      const bySecond = new Map<number, number[]>();
      let checked = 0;
      grid.forEachDue(measureFrom, endAt, (slot, dueAt) => {
        checked++;
        if ((grid.counts[slot] ?? 0) === 0) return;
        const late = (grid.first[slot] ?? 0) - dueAt;
        lateness[phaseOf(dueAt)].push(late);
        const second = Math.floor((dueAt - phases.killAt) / 1000);
        const list = bySecond.get(second) ?? [];
        list.push(late);
        bySecond.set(second, list);
      });
      const p99BySecond = new Map(
        [...bySecond].map(([second, values]) => [
          second,
          percentileOfSorted(
            values.sort((a, b) => a - b),
            99,
          ),
        ]),
      );
      for (const [second, p99] of p99BySecond)
        if (second % SERIES_STEP_S === 0) out[`${name}.p99At.${second}`] = p99;
      out[`${name}.settledMs`] = settledAfter(p99BySecond);
      for (const phase of PHASES) {
        const sorted = lateness[phase].sort((a, b) => a - b);
        out[`${name}.${phase}.n`] = sorted.length;
        out[`${name}.${phase}.p50`] = percentileOfSorted(sorted, 50);
        out[`${name}.${phase}.p99`] = percentileOfSorted(sorted, 99);
        out[`${name}.${phase}.max`] = sorted[sorted.length - 1] ?? Number.NaN;
      }
      out[`${name}.checked`] = checked;
      out[`${name}.missing`] = grid.missing(measureFrom, endAt);
      out[`${name}.duplicates`] = grid.duplicates;
      out[`${name}.early`] = grid.early;
      out[`${name}.unexpected`] = grid.unexpected;
    }
    out['wf.completed'] = this.#completed.size;
    out['malformedRecords'] = this.malformed;
    return out;
  }
}

/**
 * Milliseconds from the kill until the start of the first second (at or after the kill) from
 * which every second's lateness p99 stays under SETTLED_BELOW_MS; NaN if the last one is over.
 */
export function settledAfter(p99BySecond: ReadonlyMap<number, number>): number {
  const seconds = [...p99BySecond.keys()].filter((s) => s >= 0).sort((a, b) => a - b);
  let settled: number | undefined;
  for (let i = seconds.length - 1; i >= 0; i--) {
    const second = seconds[i] ?? 0;
    if ((p99BySecond.get(second) ?? Infinity) >= SETTLED_BELOW_MS) break;
    settled = second;
  }
  return settled === undefined ? Number.NaN : settled * 1000;
}
