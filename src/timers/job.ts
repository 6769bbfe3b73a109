/** A job as callers submit it (Dapr Jobs API shape). Strings are kept as given for GET. */
export interface JobSpec {
  /** Cron (6 fields, seconds first), `@every <dur>`, `@daily`…, or a bare duration. */
  schedule?: string;
  /** RFC3339 timestamp, a Date, or a duration from now. */
  dueTime?: string | Date;
  repeats?: number;
  /** RFC3339 timestamp, a Date, or a duration (from dueTime when set, else from now). */
  ttl?: string | Date;
  /** Any JSON value, handed to the trigger handler as is. */
  data?: JsonValue;
  overwrite?: boolean;
  failurePolicy?: FailurePolicySpec;
  /** Which `onTrigger` handler receives the job; defaults to `DEFAULT_TARGET`. */
  target?: string;
  /**
   * Jobs with the same partition key land on the same partition (and so the same owner).
   * Defaults to the job name. Internal callers (the workflow runtime) use the instance id.
   */
  partitionKey?: string;
}

export const DEFAULT_TARGET = 'app';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type FailurePolicySpec =
  { constant: { interval?: string; maxRetries?: number } } | { drop: Record<string, never> };

/** The failure policy after defaults are applied. `maxRetries: undefined` retries forever. */
export type FailurePolicy =
  { kind: 'constant'; intervalMs: number; maxRetries: number | undefined } | { kind: 'drop' };

/**
 * A validated job as stored in etcd. Times are epoch milliseconds resolved at creation
 * so every replica computes the same ticks.
 */
export interface JobRecord {
  name: string;
  target: string;
  partitionKey: string;
  createdAt: number;
  /** First fire time when a dueTime was given. */
  dueAt?: number;
  schedule?: string;
  repeats?: number;
  /** No tick after this instant fires; the job is deleted. */
  expiresAt?: number;
  data?: JsonValue;
  failurePolicy: FailurePolicy;
  /** The caller's original strings, returned by `get` so clients see what they sent. */
  original: {
    schedule?: string;
    dueTime?: string;
    ttl?: string;
    repeats?: number;
    failurePolicy: FailurePolicySpec;
  };
}

/**
 * Per-job progress, stored next to the job. `jobRevision` is the job record's mod revision
 * this counter belongs to: a counter left from an overwritten job is recognised and ignored.
 */
export interface JobProgress {
  jobRevision: number;
  /** Ticks delivered successfully (or dropped by the failure policy). */
  count: number;
  /** The last scheduled tick (not the delivery time), so catch-up never drifts. */
  lastTick?: number;
  /** Failed attempts of the current tick. */
  attempts: number;
}

/** The stored counter if it belongs to this incarnation of the job, else a fresh one (count 0). */
export function currentProgress(stored: JobProgress | undefined, jobRevision: number): JobProgress {
  return stored && stored.jobRevision === jobRevision ? stored : { jobRevision, count: 0, attempts: 0 };
}

export type TriggerResult = 'success' | 'failed' | 'undeliverable';

/** What a trigger handler receives. */
export interface JobTrigger {
  name: string;
  namespace: string;
  appId: string;
  target: string;
  data: JsonValue | undefined;
  /** The tick this delivery is for (never later than the delivery itself). */
  scheduledAt: Date;
  /** 1-based attempt number for this tick. */
  attempt: number;
  /** Ticks completed before this one. */
  count: number;
}

export type TriggerHandler = (trigger: JobTrigger) => Promise<TriggerResult> | TriggerResult;
