import type { JobProgress, JobRecord } from './schedule/job.js';

export type LiveJobState = 'waiting' | 'inflight' | 'staged' | 'done';

/** One job of an owned partition, as its owner tracks it between etcd reads. */
export interface LiveJob {
  readonly name: string;
  readonly partition: number;
  readonly record: JobRecord;
  /** The job record's mod revision: the incarnation this object stands for. */
  readonly modRevision: number;
  progress: JobProgress;
  /**
   * Whether a progress key may exist in etcd for this name. Every delete removes a job's progress
   * key with it, so a freshly created job has none: its last tick then deletes one key, not two.
   */
  progressStored: boolean;
  /** The scheduled tick the next delivery is for. */
  tick: number;
  /** When the next delivery may start: the tick, or a retry time after a failure. */
  dueAt: number;
  state: LiveJobState;
  token: number;
}
