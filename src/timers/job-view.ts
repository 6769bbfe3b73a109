import type { FailurePolicySpec, JobProgress, JobRecord, JsonValue } from './schedule/job.js';

/** A job as `get`/`list` return it: the caller's original strings plus its progress. */
export interface JobView {
  name: string;
  /** Which `onTrigger` handler receives the job. */
  target: string;
  /** The schedule as given. */
  schedule?: string;
  /** The due time as given (a Date is shown as its ISO string). */
  dueTime?: string;
  repeats?: number;
  /** The ttl as given (a Date is shown as its ISO string). */
  ttl?: string;
  data?: JsonValue;
  /** The failure policy as given, or the default one. */
  failurePolicy: FailurePolicySpec;
  /** When the job was stored. */
  createdAt: Date;
  /** Ticks delivered (or dropped by the failure policy) so far. */
  count?: number;
  /** When the next tick is due, if one is left. */
  nextFireAt?: Date;
}

export function toJobView(
  record: JobRecord,
  progress: JobProgress | undefined,
  next: number | undefined,
): JobView {
  const o = record.original;
  return {
    name: record.name,
    target: record.target,
    ...(o.schedule !== undefined ? { schedule: o.schedule } : {}),
    ...(o.dueTime !== undefined ? { dueTime: o.dueTime } : {}),
    ...(o.repeats !== undefined ? { repeats: o.repeats } : {}),
    ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
    ...(record.data !== undefined ? { data: record.data } : {}),
    failurePolicy: o.failurePolicy,
    createdAt: new Date(record.createdAt),
    ...(progress ? { count: progress.count } : {}),
    ...(next !== undefined ? { nextFireAt: new Date(next) } : {}),
  };
}
