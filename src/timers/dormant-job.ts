import type { DormantFields } from './dormant-store.js';

/**
 * A job whose next tick is beyond the owner's horizon, as the table hands it out: what identity
 * and ordering need, no decoded record, no progress object. Before its tick the record is read
 * again from etcd (and checked against `modRevision`) and the job becomes a LiveJob.
 *
 * The table keeps dormant jobs in columns (DormantStore), not as objects: this is a snapshot of
 * one made when it is handed out, tied to its slot by `slot` and `generation`, so the table can
 * tell whether the job it stands for is still there (`JobTable.isCurrent`). Two snapshots of the
 * same dormant job are equal but not the same object.
 */
export class DormantJob {
  readonly name: string;
  readonly partition: number;
  /** The job record's mod revision: the incarnation this entry stands for. */
  readonly modRevision: number;
  /** The scheduled tick the next delivery is for. */
  readonly tick: number;
  /** Ticks completed so far (the progress counter). */
  readonly count: number;
  /** The last completed scheduled tick, if any. */
  readonly lastTick: number | undefined;
  /** Whether a progress key may exist in etcd for this job (see LiveJob.progressStored). */
  readonly progressStored: boolean;
  /** Where the table keeps it, and the slot's generation then. */
  readonly slot: number;
  readonly generation: number;

  constructor(fields: DormantFields, slot: number, generation: number) {
    this.name = fields.name;
    this.partition = fields.partition;
    this.modRevision = fields.modRevision;
    this.tick = fields.tick;
    this.count = fields.count;
    this.lastTick = fields.lastTick;
    this.progressStored = fields.progressStored;
    this.slot = slot;
    this.generation = generation;
  }

  get state(): 'dormant' {
    return 'dormant';
  }
}
