/** A job as callers submit it (Dapr Jobs API shape). Strings are kept as given for GET. */
export interface JobSpec {
  /** Cron (6 fields, seconds first), `@every <dur>`, `@daily`…, or a bare duration. */
  schedule?: string;
  /** RFC3339 timestamp, a Date, or a duration from now. */
  dueTime?: string | Date;
  /**
   * How many times the job fires in all (a positive integer); without it a `schedule` repeats
   * until `ttl`. A job with only a `dueTime` fires once.
   */
  repeats?: number;
  /** RFC3339 timestamp, a Date, or a duration (from dueTime when set, else from now). */
  ttl?: string | Date;
  /** Any JSON value, handed to the trigger handler as is. */
  data?: JsonValue;
  /** Replace an existing job of the same name instead of failing with `JobAlreadyExistsError`. */
  overwrite?: boolean;
  /** What to do when a delivery fails (default: retry every 1 s, 3 times). */
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

/** A JSON value: what a job's `data` may be. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A job's failure policy, as in Dapr's Jobs API: `constant` retries a failed tick every `interval`
 * (a duration, default `1s`) up to `maxRetries` times (unlimited when absent); `drop` gives it up
 * at once. A tick given up counts as done, and the job moves on to its next tick. When a job has
 * no policy, it gets constant, 1 s, 3 retries.
 */
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

/**
 * What a trigger handler answers: `success` (the tick counts as delivered), `failed` (retried
 * per the job's failure policy; a thrown error or rejection counts as this), or `undeliverable`
 * (the target cannot take it now: the trigger is staged until `retryStaged` or a new handler).
 */
export type TriggerResult = 'success' | 'failed' | 'undeliverable';

/** What a trigger handler receives. */
export interface JobTrigger {
  /** The job's name. */
  name: string;
  /** The job's scope: namespace. */
  namespace: string;
  /** The job's scope: app id. */
  appId: string;
  /** The handler's target, as the job names it. */
  target: string;
  /** The job's `data`, as scheduled. */
  data: JsonValue | undefined;
  /** The tick this delivery is for (never later than the delivery itself). */
  scheduledAt: Date;
  /** 1-based attempt number for this tick. */
  attempt: number;
  /** Ticks completed before this one. */
  count: number;
  /**
   * The etcd mod revision of the job record this tick belongs to: the same for every delivery of
   * one incarnation of the job (redeliveries included), new after an overwrite. With the scope,
   * `name` and `scheduledAt` it identifies one tick, e.g. for an at-least-once delivery id.
   */
  jobRevision: number;
}

/**
 * Receives the due ticks of one target (`TimerService.onTrigger`). Delivery is at least once:
 * a tick may come again after a crash, so handlers should be idempotent.
 */
export type TriggerHandler = (trigger: JobTrigger) => Promise<TriggerResult> | TriggerResult;
