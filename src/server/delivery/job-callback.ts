import { createHash } from 'node:crypto';
import type { JobTrigger, JsonValue } from '../../timers/schedule/job.js';

/**
 * One job callback as every transport sends it: the job's data, and what an app needs to act on
 * an at-least-once delivery (which job, which tick, which attempt, and an id to de-duplicate on).
 */
export interface JobCallback {
  /** The job's name. */
  readonly name: string;
  /** The job's data, as scheduled (undefined: none). */
  readonly data: JsonValue | undefined;
  /** The tick's scheduled time, RFC3339 in UTC with milliseconds (`2026-12-03T10:00:00.000Z`). */
  readonly scheduledTime: string;
  /** 1-based attempt number of this tick (retries of a failed tick count up). */
  readonly attempt: number;
  /** The same for every delivery of one tick (retries, redelivery after a crash); new for the next tick. */
  readonly deliveryId: string;
  /**
   * Where an HTTP transport sends it when it is not a job callback (`POST /job/{name}`): an actor
   * reminder goes to `PUT /actors/{type}/{id}/method/remind/{name}`, a scheduled invocation to
   * the method's route. `path` is percent-encoded, relative to the instance's base URL. HTTP
   * only: the gRPC transport sends every callback as a job event.
   */
  readonly request?: {
    readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';
    readonly path: string;
  };
}

/**
 * Names of the headers (HTTP) and metadata keys (gRPC) that carry a callback's facts beside its
 * data. Dapr defines none for job callbacks, hence tickflow's own prefix.
 */
export const CALLBACK_HEADERS = {
  /** The job's name, percent-encoded as in the callback path (`encodeURIComponent`). */
  name: 'tickflow-job-name',
  /** The tick's scheduled time, RFC3339. */
  scheduledTime: 'tickflow-job-scheduled-time',
  /** The attempt number of this tick, from 1. */
  attempt: 'tickflow-job-attempt',
  /** The tick's stable delivery id. */
  deliveryId: 'tickflow-delivery-id',
} as const;

/** The callback a trigger makes. */
export function jobCallback(trigger: JobTrigger): JobCallback {
  return {
    name: trigger.name,
    data: trigger.data,
    scheduledTime: trigger.scheduledAt.toISOString(),
    attempt: trigger.attempt,
    deliveryId: deliveryId(trigger),
  };
}

/**
 * A tick's delivery id: a hash of the scope, the job's name, its incarnation (the record's mod
 * revision, so a job overwritten with the same schedule starts new ids) and the tick's time. It
 * is computed, not stored, so every replica that delivers the tick (after a failover too) sends
 * the same id without any write. 32 hex characters (128 bits of SHA-256).
 */
export function deliveryId(
  trigger: Pick<JobTrigger, 'namespace' | 'appId' | 'name' | 'jobRevision' | 'scheduledAt'>,
): string {
  // JSON keeps the parts apart whatever characters the names hold.
  const key = JSON.stringify([
    trigger.namespace,
    trigger.appId,
    trigger.name,
    trigger.jobRevision,
    trigger.scheduledAt.getTime(),
  ]);
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** The callback's facts as header/metadata values (ASCII only, as both protocols require). */
export function callbackHeaders(callback: JobCallback): Record<string, string> {
  return {
    [CALLBACK_HEADERS.name]: encodeURIComponent(callback.name),
    [CALLBACK_HEADERS.scheduledTime]: callback.scheduledTime,
    [CALLBACK_HEADERS.attempt]: String(callback.attempt),
    [CALLBACK_HEADERS.deliveryId]: callback.deliveryId,
  };
}
