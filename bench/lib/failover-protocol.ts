/**
 * What a failover replica (failover-replica.ts) and the W8 workload (bench/compare/workloads/
 * w8-failover.ts) say to each other.
 *
 * Live status goes over the replica's stdout (a JSON line per event). Every delivery the W8
 * figures are made of goes to the replica's record file instead, one line written synchronously
 * before the delivery is acknowledged: a replica killed with SIGKILL loses nothing it delivered,
 * so a tick it delivered and a survivor delivers again is seen as the duplicate it is.
 *
 * Record lines (times are epoch milliseconds of the replica's wall clock; every replica runs on
 * the same machine as the bench):
 *
 *   c <job> <scheduledAt> <firedAt>     a cron tick handed to the app handler (job = its index)
 *   a <workflow> <iteration> <dueAt> <now>   the activity after a workflow's timer ran
 *   w <workflow>                         a workflow instance completed
 *   p <at> <serving>                     partitions this replica now serves (owned and loaded)
 */

export interface FailoverReplicaConfig {
  hosts: string[];
  memberId: string;
  partitions: number;
  /** A dead replica's partitions move after about this long. */
  leaseTtlSeconds: number;
  /** File the replica appends its record lines to. */
  recordPath: string;
  /** Period of the status lines on stdout. */
  reportMs: number;
}

/** One JSON line on a replica's stdout. */
export type FailoverStatus =
  | { event: 'started' }
  | { event: 'report'; rss: number; serving: number; warnings: string[] }
  | { event: 'stopped' };

/** Input of the W8 workflow: its timers fall on a fixed grid, so lateness is measured from it. */
export interface FailoverWorkflowInput {
  /** The workflow's index among the run's workflows. */
  index: number;
  /** Due time of the first timer (epoch ms); timer k is due at firstDueAt + k * periodMs. */
  firstDueAt: number;
  periodMs: number;
  /** No timer is due after this; the workflow then completes. */
  endAt: number;
}

/** Input of the activity that follows each timer. */
export interface FailoverActivityInput {
  index: number;
  iteration: number;
  dueAt: number;
}

/** The workflow the W8 workload starts and the replicas run. */
export const FAILOVER_WORKFLOW = 'failoverWorkflow';

/** Cron job names are this prefix plus the job's index. */
export const FAILOVER_JOB_PREFIX = 'w8-';

/** Workflow instance ids are this prefix plus the workflow's index. */
export const FAILOVER_INSTANCE_PREFIX = 'w8-wf-';
