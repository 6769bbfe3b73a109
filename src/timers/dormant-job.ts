/**
 * A job whose next tick is beyond the owner's horizon, kept only as what identity and ordering
 * need: no decoded record, no progress object, no queue entry. Before its tick the record is read
 * again from etcd (and checked against `modRevision`) and the job becomes a LiveJob.
 *
 * A class with plain fields rather than an object literal or closures: a million of these must
 * stay small (see the memory phase of bench/timers.bench.ts). `state` is a prototype getter, so
 * table code can tell dormant from live jobs without a field per job.
 */
export class DormantJob {
  constructor(
    /** Also the key of the table's per-partition map: one string, not two. */
    readonly name: string,
    readonly partition: number,
    /** The job record's mod revision: the incarnation this entry stands for. */
    readonly modRevision: number,
    /** The scheduled tick the next delivery is for. */
    readonly tick: number,
    /** Ticks completed so far (the progress counter). */
    readonly count: number,
    /** The last completed scheduled tick, if any. */
    readonly lastTick: number | undefined,
    /** Whether a progress key may exist in etcd for this job (see LiveJob.progressStored). */
    readonly progressStored: boolean,
  ) {}

  get state(): 'dormant' {
    return 'dormant';
  }

  /** The due-queue orders dormant jobs by their tick. */
  get at(): number {
    return this.tick;
  }
}
